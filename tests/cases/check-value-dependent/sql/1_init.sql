CREATE TABLE custom_currencies (id character(26) PRIMARY KEY, code varchar(24) NOT NULL);
CREATE TABLE addon_rate_cards (
  id serial PRIMARY KEY,
  currency varchar(24),
  price jsonb,
  custom_currency_id character(26) REFERENCES custom_currencies (id) ON DELETE RESTRICT,
  CONSTRAINT addon_rate_card_currency_code_length CHECK ((currency IS NULL) OR ((char_length((currency)::text) >= 3) AND (char_length((currency)::text) <= 24))),
  CONSTRAINT addon_rate_card_currency_has_price CHECK ((price IS NOT NULL) OR (currency IS NULL)),
  CONSTRAINT addon_rate_card_currency_reference CHECK (((currency IS NULL) AND (custom_currency_id IS NULL)) OR ((currency IS NOT NULL) AND (char_length((currency)::text) = 3) AND (custom_currency_id IS NULL)) OR ((currency IS NOT NULL) AND (char_length((currency)::text) > 3) AND (custom_currency_id IS NOT NULL)))
);
