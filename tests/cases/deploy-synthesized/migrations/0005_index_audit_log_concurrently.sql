CREATE INDEX CONCURRENTLY audit_log_id_note ON audit_log (id, note);
