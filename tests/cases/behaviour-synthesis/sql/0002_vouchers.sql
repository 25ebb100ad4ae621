-- A CHECK no made-up value satisfies: only a [sample] can decide the value.
CREATE TABLE vouchers (
    id     serial PRIMARY KEY,
    org_id integer NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    code   text NOT NULL CHECK (code ~ '^[A-Z]{3}-[0-9]{4}$')
);

CREATE TABLE coupons (
    id     serial PRIMARY KEY,
    org_id integer NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    code   text NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{3}-[0-9]{4}$')
);
