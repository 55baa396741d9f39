INSERT INTO complaints_workorder (complaint_id, department_id, instructions, state, answer,
    answered_at, answered_by_id, created_by_id, created_at, due_at, warn_at, warned_at, breached_at)
SELECT id, department_id, 'Please check the customer''s line and report back. 请核实并回复。',
    CASE WHEN NOT open THEN 'answered'
         WHEN dispatched_at + interval '48 hours 30 seconds' < %(now)s::timestamptz THEN 'overdue'
         ELSE 'open' END,
    CASE WHEN open THEN '' ELSE 'Fault found and fixed. 已处理。' END,
    CASE WHEN NOT open THEN answered_at END,
    CASE WHEN NOT open THEN department_user_id END,
    agent_id, dispatched_at,
    dispatched_at + interval '48 hours', dispatched_at + interval '38 hours 24 minutes',
    CASE WHEN dispatched_at + interval '38 hours 24 minutes 30 seconds'
              < CASE WHEN open THEN %(now)s::timestamptz ELSE answered_at END
         THEN dispatched_at + interval '38 hours 24 minutes 30 seconds' END,
    CASE WHEN dispatched_at + interval '48 hours 30 seconds'
              < CASE WHEN open THEN %(now)s::timestamptz ELSE answered_at END
         THEN dispatched_at + interval '48 hours 30 seconds' END
FROM (SELECT *, state = 'waiting_department' AS open FROM plan WHERE has_wo) AS p
ORDER BY dispatched_at
