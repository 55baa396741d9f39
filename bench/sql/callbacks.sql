-- Callback bookings follow the complaints' daily rhythm; most are returned within the
-- hour, bookings in quiet hours (21:30-08:00) wait for the morning. A fifth of the known
-- callers' bookings are about a complaint; open bookings are the last 90 minutes' (one
-- open booking per number: those use numbers of their own).
INSERT INTO repair_callbackrequest (phone, customer_id, source, reason, complaint_id,
    requested_at, clock_started_at, due_at, state, assignee_id, assigned_at, joined_count,
    attempt_count, first_attempt_at, completed_at, created_by_id, created_at)
SELECT
    CASE WHEN customer_id IS NOT NULL
         THEN '+86138' || lpad(((customer_id * 48271) %% 100000000)::text, 8, '0')
         ELSE '+86137' || lpad(((k::bigint * 7919) %% 100000000)::text, 8, '0') END,
    customer_id, source, '', complaint_id, requested, clock,
    clock + make_interval(mins => CASE WHEN source IN ('dropped_call', 'silent_call') THEN 10 ELSE 60 END),
    state,
    CASE WHEN state <> 'pending' THEN agent END,
    CASE WHEN state <> 'pending' THEN clock END,
    CASE WHEN r_join < 0.05 THEN 1 ELSE 0 END,
    attempts,
    CASE WHEN attempts > 0 THEN clock + make_interval(secs => 60 + 3300 * power(r_wait, 3)) END,
    CASE WHEN state IN ('completed', 'unreachable')
         THEN clock + make_interval(secs => 60 + 3300 * power(r_wait, 3) + (attempts - 1) * 600) END,
    CASE WHEN source = 'agent' THEN agent END,
    requested
FROM (
    SELECT *,
        CASE WHEN state IN ('pending', 'cancelled') THEN 0 WHEN state = 'unreachable' THEN 3
             WHEN r_wait < 0.2 THEN 2 ELSE 1 END AS attempts,
        CASE WHEN local_time >= time '21:30'
                 THEN (((requested AT TIME ZONE %(tz)s)::date + 1) + time '08:00') AT TIME ZONE %(tz)s
             WHEN local_time < time '08:00'
                 THEN ((requested AT TIME ZONE %(tz)s)::date + time '08:00') AT TIME ZONE %(tz)s
             ELSE requested END AS clock
    FROM (
        SELECT *,
            (requested AT TIME ZONE %(tz)s)::time AS local_time,
            CASE WHEN open THEN 'pending' WHEN r_state < 0.93 THEN 'completed'
                 WHEN r_state < 0.97 THEN 'unreachable' ELSE 'cancelled' END AS state,
            CASE WHEN open THEN NULL WHEN r_link < 0.2 THEN near_customer
                 WHEN r_known < 0.8 THEN 1 + floor(r_pick * known)::bigint END AS customer_id,
            CASE WHEN NOT open AND r_link < 0.2 THEN near_id END AS complaint_id
        FROM (
            SELECT *, requested > %(now)s::timestamptz - interval '90 minutes' AS open
            FROM (
                SELECT k, pl.id AS near_id, pl.customer_id AS near_customer,
                    ceil(pl.id::numeric * %(customers)s / %(n)s)::bigint AS known,
                    least(pl.recv + make_interval(secs => 1800 * r_off),
                          %(now)s::timestamptz - make_interval(secs => 60 + 60 * r_off)) AS requested,
                    r_known, r_pick, r_state, r_wait, r_join, r_link,
                    (%(agent_ids)s::bigint[])[1 + floor(r_agent * %(teams)s)::int]
                        [1 + floor(r_second * %(agents_per_team)s)::int] AS agent,
                    CASE WHEN r_src < 0.45 THEN 'ivr' WHEN r_src < 0.75 THEN 'missed_call'
                         WHEN r_src < 0.85 THEN 'dropped_call' WHEN r_src < 0.90 THEN 'silent_call'
                         WHEN r_src < 0.97 THEN 'agent' ELSE 'web' END AS source
                FROM (
                    SELECT k, random() AS r_known, random() AS r_pick, random() AS r_src,
                        random() AS r_state, random() AS r_wait, random() AS r_join,
                        random() AS r_link, random() AS r_agent, random() AS r_off,
                        random() AS r_second
                    FROM generate_series(1, %(callbacks)s) AS k
                ) AS b
                JOIN plan pl ON pl.id = ceil(b.k::numeric * %(n)s / %(callbacks)s)::bigint
            ) AS placed
        ) AS opened
        WHERE %(history)s OR open
    ) AS decided
) AS timed
ORDER BY requested
