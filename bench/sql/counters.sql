INSERT INTO complaints_referencecounter (prefix, year, last_value)
SELECT 'C', split_part(reference, '-', 2)::int, max(split_part(reference, '-', 3)::int)
FROM complaints_complaint GROUP BY 2
