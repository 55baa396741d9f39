-- Damaged customers: dissatisfied survey answers (the rated in-house agent repairs, else the
-- quality team), repeat complaints (the complaint's team) and unreachable callbacks.
-- Cases older than the 48 h due window are closed; 77.7 %% repaired to satisfaction.
INSERT INTO repair_repaircase (customer_id, damage_type, level, reason, complaint_id,
    source_callback_id, source_response_id, owner_id, team_id, state, strategy_id, outcome,
    satisfied_after, due_at, closed_at, opened_by_id, created_at)
SELECT customer_id, damage_type, level, reason, complaint_id, source_callback_id,
    source_response_id, owner_id, team_id,
    CASE WHEN opened > %(now)s::timestamptz - interval '3 days' THEN
             CASE WHEN r_state < 0.5 THEN 'open' ELSE 'in_progress' END
         WHEN r_state < 0.92 THEN 'repaired' ELSE 'not_repaired' END,
    CASE WHEN opened <= %(now)s::timestamptz - interval '3 days'
         THEN (%(strategy_ids)s::bigint[])[1 + floor(r_strategy * array_length(%(strategy_ids)s::bigint[], 1))::int] END,
    CASE WHEN opened <= %(now)s::timestamptz - interval '3 days' THEN 'Called the customer and apologised.' ELSE '' END,
    CASE WHEN opened <= %(now)s::timestamptz - interval '3 days' THEN r_satisfied < 0.777 END,
    opened + interval '48 hours',
    CASE WHEN opened <= %(now)s::timestamptz - interval '3 days'
         THEN opened + make_interval(secs => 3600 * (2 + 60 * power(r_state, 2))) END,
    NULL, opened
FROM (
    SELECT r.customer_id, 'survey_dissatisfied' AS damage_type,
        least(4, 2 + (cu.tier = 'vip')::int + (r.score = 1)::int) AS level,
        r.comment AS reason, r.complaint_id, NULL::bigint AS source_callback_id,
        r.id AS source_response_id,
        CASE WHEN u.employment_type = 'in_house' THEN r.agent_id END AS owner_id,
        CASE WHEN u.employment_type = 'in_house' THEN u.team_id ELSE %(quality_team)s END AS team_id,
        r.created_at AS opened, random() AS r_state, random() AS r_strategy, random() AS r_satisfied
    FROM surveys_surveyresponse r
    JOIN complaints_customer cu ON cu.id = r.customer_id
    LEFT JOIN complaints_user u ON u.id = r.agent_id
    WHERE r.is_low
    UNION ALL
    SELECT c.customer_id, 'complaint', least(4, 2 + (cu.tier = 'vip')::int + (c.priority = 'urgent')::int),
        'Repeat of ' || o.reference || '.', c.id, NULL, NULL, NULL, c.team_id, c.received_at,
        random(), random(), random()
    FROM complaints_complaint c
    JOIN complaints_complaint o ON o.id = c.repeat_of_id
    JOIN complaints_customer cu ON cu.id = c.customer_id
    UNION ALL
    SELECT cb.customer_id, 'call_loss', 1 + (cu.tier = 'vip')::int,
        'Three attempts, no answer.', NULL, cb.id, NULL, NULL, NULL, cb.completed_at,
        random(), random(), random()
    FROM repair_callbackrequest cb
    JOIN complaints_customer cu ON cu.id = cb.customer_id
    WHERE cb.state = 'unreachable'
) AS cases
ORDER BY opened
