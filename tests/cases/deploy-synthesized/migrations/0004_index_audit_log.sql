CREATE INDEX audit_log_note ON audit_log (note);
