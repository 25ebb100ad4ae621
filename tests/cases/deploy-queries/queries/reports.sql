SELECT count(*) FROM tasks WHERE done;
SELECT title FROM tasks ORDER BY id LIMIT $1;
