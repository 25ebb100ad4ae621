CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE TYPE plan AS ENUM ('free', 'pro');
CREATE TABLE accounts (
    id uuid PRIMARY KEY,
    handle varchar(50) NOT NULL,
    country char(2),
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamp,
    tags text[] NOT NULL DEFAULT '{}',
    contact email,
    plan plan NOT NULL DEFAULT 'free',
    counter int4,
    big int8,
    nickname text
);
