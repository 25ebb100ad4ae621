-- Emails are unique from now on.
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);
