-- name: GetTask :one
SELECT id, title FROM tasks
WHERE id = $1;

-- name: ListOpen :many
SELECT id FROM tasks WHERE NOT done ORDER BY id;

-- name: CompleteTask :exec
UPDATE tasks SET done = true WHERE id = sqlc.arg(id);

-- name: Misspelt :one
SELECT id, titel FROM tasks WHERE id = @id;
