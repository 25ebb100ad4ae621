-- Sign-in arrives (Supabase Auth): a member is the membership of a user in an
-- organization. NULL until an invited member signs up; a deleted user leaves
-- the membership (and its history) behind, detached.
ALTER TABLE members
    ADD COLUMN IF NOT EXISTS user_id uuid REFERENCES auth.users (id) ON DELETE SET NULL;

-- "which organizations is this user in?" is asked by every policy
CREATE INDEX IF NOT EXISTS members_user_id_idx ON members (user_id);
