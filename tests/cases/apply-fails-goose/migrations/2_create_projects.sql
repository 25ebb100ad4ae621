-- +goose Up
CREATE TABLE projects (id bigint PRIMARY KEY);

-- +goose StatementBegin
-- a comment that goose drops
CREATE FUNCTION projects_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT count(*) FROM projects);
END;
$$;
SELEC projects_count();
-- +goose StatementEnd

-- +goose Down
DROP TABLE projects;
