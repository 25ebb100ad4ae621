-- +goose Up
ALTER TABLE events ALTER COLUMN n TYPE bigint;

-- +goose Down
ALTER TABLE events ALTER COLUMN n TYPE int;
