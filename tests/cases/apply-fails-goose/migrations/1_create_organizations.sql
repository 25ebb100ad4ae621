-- +goose Up
CREATE TABLE organizations (id bigint PRIMARY KEY);

-- +goose Down
DROP TABLE organizations;
