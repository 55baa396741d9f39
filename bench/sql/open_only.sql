-- The same centre without history: its open complaints (and those awaiting confirmation).
DELETE FROM plan_rows WHERE state_code IN (%(closed_code)s, %(cancelled_code)s);
UPDATE plan_rows SET repeat_of_id = 0, duplicate_of_id = 0;
ANALYZE plan_rows;
