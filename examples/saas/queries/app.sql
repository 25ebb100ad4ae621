-- The application's queries, as sqlc reads them: the deployed version keeps sending them while
-- a deploy applies the new migrations (`[upgrade] queries` in pg-invariants.toml).

-- name: InboxMessages :many
SELECT id, author_member_id, body, created_at
FROM messages
WHERE org_id = $1
ORDER BY created_at DESC
LIMIT 50;

-- name: MembersOfOrganization :many
SELECT id, user_id, email, role FROM members WHERE org_id = sqlc.arg(org_id) ORDER BY email;

-- name: PostMessage :one
INSERT INTO messages (org_id, author_member_id, body)
VALUES ($1, $2, $3)
RETURNING id, created_at;
