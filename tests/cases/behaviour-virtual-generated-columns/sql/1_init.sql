CREATE TABLE tenants (id text PRIMARY KEY);
-- status: NOT NULL, and only a document with "s": "on" makes it non-NULL; total: a CHECK on a
-- generated column. GENERATED ALWAYS AS (...) alone is VIRTUAL on 18 and a syntax error before.
DO $$
DECLARE
    kind text := CASE WHEN current_setting('server_version_num')::int >= 180000 THEN '' ELSE 'STORED' END;
BEGIN
    EXECUTE format($sql$
        CREATE TABLE switches (
          id bigint PRIMARY KEY,
          status text NOT NULL GENERATED ALWAYS AS (CASE WHEN doc ->> 's' = 'on' THEN 'on' END) %1$s,
          total integer GENERATED ALWAYS AS (price * quantity) %1$s CHECK (total >= 0),
          price integer NOT NULL,
          quantity integer NOT NULL,
          doc jsonb NOT NULL,
          tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE
        )$sql$, kind);
END $$;
