DROP PROCEDURE fill_attachment_created_at();
