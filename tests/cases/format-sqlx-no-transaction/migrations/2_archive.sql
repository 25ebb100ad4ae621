-- no-transaction
-- Sent as one message, the two statements share PostgreSQL's implicit transaction: SET LOCAL
-- holds for the CREATE TABLE, which lands in `archive`. Sent one by one, SET LOCAL would only
-- warn (no transaction block) and `events` would land in `public`.
SET LOCAL search_path = archive;
CREATE TABLE events (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES public.organizations (id)
);
