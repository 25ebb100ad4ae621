DROP TABLE invoices;
DROP TABLE users;
DROP TABLE orders;
