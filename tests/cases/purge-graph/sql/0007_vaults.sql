CREATE TABLE vaults (id serial PRIMARY KEY, name text NOT NULL);
-- Rows only come through the API: no row under a vault can be built, so the purge is not
-- proven (and must not pass).
CREATE TABLE vault_keys (
  id serial PRIMARY KEY,
  vault_id int NOT NULL REFERENCES vaults ON DELETE CASCADE,
  secret text NOT NULL
);
CREATE FUNCTION vault_keys_api_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'vault keys are created through the API';
END $$;
CREATE TRIGGER vault_keys_api_only BEFORE INSERT ON vault_keys
  FOR EACH ROW EXECUTE FUNCTION vault_keys_api_only();
