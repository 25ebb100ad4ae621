-- +goose Up
CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, n int NOT NULL);

-- +goose Down
DROP TABLE events;
