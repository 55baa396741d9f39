WITH firsts AS (
    SELECT DISTINCT ON (customer_id) customer_id, recv FROM plan ORDER BY customer_id, id
), people AS (
    SELECT c AS id, coalesce(f.recv, %(now)s::timestamptz - interval '400 days') AS created,
        random() AS r_name, random() AS r_a, random() AS r_b, random() AS r_c,
        random() AS r_tier, random() AS r_mail, random() AS r_acct
    FROM generate_series(1, (SELECT max(customer_id) FROM plan)) AS c
    LEFT JOIN firsts f ON f.customer_id = c
)
INSERT INTO complaints_customer (id, name, phone, email, account_number, tier, language, notes,
                                 created_at, updated_at)
SELECT id,
    CASE WHEN r_name < 0.85
         THEN (%(surnames)s::text[])[1 + floor(r_a * array_length(%(surnames)s::text[], 1))::int]
              || (%(given)s::text[])[1 + floor(r_b * array_length(%(given)s::text[], 1))::int]
              || CASE WHEN r_c < 0.6 THEN (%(given)s::text[])[1 + floor(r_c / 0.6 * array_length(%(given)s::text[], 1))::int] ELSE '' END
         ELSE (%(first_names)s::text[])[1 + floor(r_a * array_length(%(first_names)s::text[], 1))::int]
              || ' ' || (%(last_names)s::text[])[1 + floor(r_b * array_length(%(last_names)s::text[], 1))::int]
    END,
    -- A bijection of the id onto eight digits: unique, and scattered like real numbers.
    '+86138' || lpad(((id * 48271) %% 100000000)::text, 8, '0'),
    CASE WHEN r_mail < 0.3 THEN 'customer' || id || '@example.com' ELSE '' END,
    CASE WHEN r_acct < 0.6 THEN '32' || lpad(id::text, 10, '0') END,
    CASE WHEN r_tier < 0.04 THEN 'vip' ELSE 'regular' END,
    CASE WHEN r_name >= 0.85 AND r_c < 0.8 THEN 'en' ELSE 'zh-hans' END,
    '', created, created
FROM people
