-- Copy me to <timestamp>_<name>.sql: the Supabase CLI never applies this file.
CREATE TABLE {{table_name}} (id bigint PRIMARY KEY);
DROP TABLE organizations;
