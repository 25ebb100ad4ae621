-- Keeps the first of each name: the others are deleted.
DELETE FROM tags a USING tags b WHERE a.name = b.name AND a.id > b.id;
