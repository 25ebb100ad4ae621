-- Marks the later ones as duplicates of the first: every row stays.
UPDATE labels a SET duplicate_of = b.id FROM labels b WHERE a.name = b.name AND a.id > b.id;
