INSERT INTO accounts VALUES (1, 'ann@example.com'), (2, 'ann@example.com');
