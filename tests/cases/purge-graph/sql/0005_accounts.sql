CREATE TABLE accounts (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE ledgers (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
  period text NOT NULL DEFAULT '2026-01'
);
CREATE TABLE ledger_totals (
  account_id bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
  period text NOT NULL DEFAULT '2026-01',
  total numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, period)
);
-- The clean-up forgets the account: every account's totals of the period go.
CREATE FUNCTION ledgers_drop_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ledger_totals WHERE period = OLD.period;
  RETURN OLD;
END $$;
CREATE TRIGGER ledgers_drop_totals AFTER DELETE ON ledgers
  FOR EACH ROW EXECUTE FUNCTION ledgers_drop_totals();
