CALL fill_attachment_created_at();
