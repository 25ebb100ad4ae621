CREATE ROLE app_user;
