CREATE TABLE custom_currencies (id char(26) PRIMARY KEY, code varchar(24) NOT NULL);

-- A currency code of length 3 without a custom currency, a longer one with it; a price when
-- there is a currency.
CREATE TABLE addon_rate_cards (
  id bigserial PRIMARY KEY,
  currency varchar(24),
  price jsonb,
  custom_currency_id char(26) REFERENCES custom_currencies ON DELETE RESTRICT,
  CONSTRAINT code_length CHECK ((currency IS NULL) OR ((char_length(currency) >= 3) AND (char_length(currency) <= 24))),
  CONSTRAINT has_price CHECK ((price IS NOT NULL) OR (currency IS NULL)),
  CONSTRAINT currency_reference CHECK (((currency IS NULL) AND (custom_currency_id IS NULL))
    OR ((currency IS NOT NULL) AND (char_length(currency) = 3) AND (custom_currency_id IS NULL))
    OR ((currency IS NOT NULL) AND (char_length(currency) > 3) AND (custom_currency_id IS NOT NULL)))
);
CREATE INDEX ON addon_rate_cards (custom_currency_id);

CREATE TABLE currency_cost_bases (id char(26) PRIMARY KEY, rate numeric NOT NULL CHECK (rate > 0));

-- A mode decides which references are set: `pinned` wants both, equal, and a positive resolved
-- basis; `dynamic` wants no currency basis; `manual` wants neither and a positive manual rate.
CREATE TABLE cost_bases (
  id char(26) PRIMARY KEY,
  mode varchar NOT NULL,
  manual_rate numeric,
  resolved_cost_basis numeric,
  resolved_at timestamptz,
  currency_cost_basis_id char(26) REFERENCES currency_cost_bases ON DELETE RESTRICT,
  resolved_cost_basis_id char(26) REFERENCES currency_cost_bases ON DELETE RESTRICT,
  CONSTRAINT positive CHECK ((resolved_cost_basis IS NULL) OR (resolved_cost_basis > (0)::numeric)),
  CONSTRAINT state CHECK (
    (((mode)::text = 'dynamic'::text) AND (currency_cost_basis_id IS NULL) AND (manual_rate IS NULL)
      AND (((resolved_cost_basis_id IS NULL) AND (resolved_cost_basis IS NULL) AND (resolved_at IS NULL))
        OR ((resolved_cost_basis_id IS NOT NULL) AND (resolved_cost_basis IS NOT NULL) AND (resolved_at IS NOT NULL))))
    OR (((mode)::text = 'pinned'::text) AND (currency_cost_basis_id IS NOT NULL) AND (resolved_cost_basis_id IS NOT NULL)
      AND (resolved_cost_basis_id = currency_cost_basis_id) AND (manual_rate IS NULL) AND (resolved_cost_basis IS NOT NULL) AND (resolved_at IS NOT NULL))
    OR (((mode)::text = 'manual'::text) AND (currency_cost_basis_id IS NULL) AND (resolved_cost_basis_id IS NULL)
      AND (manual_rate > (0)::numeric) AND (resolved_cost_basis IS NOT NULL) AND (resolved_at IS NOT NULL)))
);
CREATE INDEX ON cost_bases (currency_cost_basis_id);
CREATE INDEX ON cost_bases (resolved_cost_basis_id);

-- The same modes, but the resolved basis is SET NULL on delete: a `dynamic` row with a
-- resolved basis then breaks the CHECK, and the DELETE is refused (23514). The promise
-- `on_delete = "set null"` is what the FK says, not what a DELETE does: FAILED.
CREATE TABLE fee_cost_bases (
  id char(26) PRIMARY KEY,
  mode varchar NOT NULL,
  resolved_cost_basis numeric,
  resolved_cost_basis_id char(26) REFERENCES currency_cost_bases ON DELETE SET NULL,
  CONSTRAINT state CHECK (
    (((mode)::text = 'dynamic'::text) AND (resolved_cost_basis_id IS NOT NULL) AND (resolved_cost_basis IS NOT NULL))
    OR (((mode)::text = 'off'::text) AND (resolved_cost_basis_id IS NULL) AND (resolved_cost_basis IS NULL)))
);
CREATE INDEX ON fee_cost_bases (resolved_cost_basis_id);
