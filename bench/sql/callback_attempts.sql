INSERT INTO repair_callbackattempt (callback_id, agent_id, outcome, note, created_at)
SELECT c.id, c.assignee_id,
    CASE WHEN c.state = 'completed' AND n = c.attempt_count THEN 'answered'
         ELSE (ARRAY['no_answer', 'busy', 'voicemail'])[1 + (c.id + n) %% 3] END,
    '', c.first_attempt_at + make_interval(mins => (n - 1) * 10)
FROM repair_callbackrequest c
CROSS JOIN LATERAL generate_series(1, c.attempt_count) AS n
WHERE c.attempt_count > 0
ORDER BY c.id, n
