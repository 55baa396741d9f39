-- The timeline: each step a complaint went through, with the services' before/after
-- shapes, plus the deadline check's warnings and breaches. One statement per kind of
-- event, each reading only the complaints that had it (one statement producing every
-- kind from a VALUES list per complaint spent most of its time on rows it dropped).
INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'created', created_by_id, '', '{}',
    jsonb_build_object('state', 'new', 'priority', priority, 'repeat_of', repeat_of_id), received_at
FROM complaints_complaint;

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'assigned', supervisor_id, '',
    jsonb_build_object('state', 'new', 'assignee', NULL, 'team', team_id),
    jsonb_build_object('state', 'assigned', 'assignee', agent_id, 'team', team_id), assigned_at
FROM plan WHERE state <> 'new' AND NOT cancelled_new;

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'work_started', agent_id, '', '{"state": "assigned"}', '{"state": "in_progress"}', started_at
FROM plan
WHERE state IN ('in_progress', 'waiting_customer', 'waiting_department', 'resolved', 'closed', 'reopened');

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'contact', assignee_id, '', '{}', '{"channel": "call", "outcome": "reached"}', response_met_at
FROM complaints_complaint WHERE response_met_at IS NOT NULL AND state <> 'cancelled';

INSERT INTO complaints_complaintevent (complaint_id, work_order_id, kind, actor_id, message, before, after, created_at)
SELECT complaint_id, id, 'work_order_dispatched', created_by_id, instructions,
    '{"state": "in_progress"}', '{"state": "waiting_department"}', created_at
FROM complaints_workorder;

INSERT INTO complaints_complaintevent (complaint_id, work_order_id, kind, actor_id, message, before, after, created_at)
SELECT complaint_id, id, 'work_order_answered', answered_by_id, answer,
    '{"state": "waiting_department"}', '{"state": "in_progress"}', answered_at
FROM complaints_workorder WHERE answered_at IS NOT NULL;

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'waiting_on_customer', agent_id, '',
    '{"state": "in_progress", "resolution_paused_at": null}',
    jsonb_build_object('state', 'waiting_customer', 'resolution_paused_at', to_jsonb(paused_at)), paused_at
FROM plan WHERE has_pause;

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'resumed', agent_id, '', '{"state": "waiting_customer"}', '{"state": "in_progress"}', resumed_at
FROM plan WHERE has_pause AND state <> 'waiting_customer';

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'resolution_proposed', assignee_id, resolution_summary,
    '{"state": "in_progress"}', '{"state": "resolved"}', resolved_at
FROM complaints_complaint WHERE resolved_at IS NOT NULL;

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'confirmed', agent_id, '', '{"state": "resolved"}', '{"state": "closed"}', confirmed_at
FROM plan WHERE state IN ('closed', 'reopened');

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'reopened', agent_id, 'The customer called again: still not fixed.',
    '{"state": "closed"}', '{"state": "reopened"}', reopened_at
FROM plan WHERE state = 'reopened';

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'cancelled', created_by_id, cancel_note,
    jsonb_build_object('state', CASE WHEN assignee_id IS NULL THEN 'new' ELSE 'assigned' END),
    '{"state": "cancelled"}', resolution_met_at
FROM complaints_complaint WHERE state = 'cancelled';

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'sla_warned', NULL, '', '{}', '{"clock": "response"}', response_warned_at
FROM complaints_complaint WHERE response_warned_at IS NOT NULL;

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'sla_breached', NULL, '', '{}', '{"clock": "response"}', response_breached_at
FROM complaints_complaint WHERE response_breached_at IS NOT NULL;

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'sla_warned', NULL, '', '{}', '{"clock": "resolution"}', resolution_warned_at
FROM complaints_complaint WHERE resolution_warned_at IS NOT NULL;

INSERT INTO complaints_complaintevent (complaint_id, kind, actor_id, message, before, after, created_at)
SELECT id, 'sla_breached', NULL, '', '{}', '{"clock": "resolution"}', resolution_breached_at
FROM complaints_complaint WHERE resolution_breached_at IS NOT NULL;

INSERT INTO complaints_complaintevent (complaint_id, work_order_id, kind, actor_id, message, before, after, created_at)
SELECT complaint_id, id, 'sla_warned', NULL, '', '{}', '{"clock": "work_order"}', warned_at
FROM complaints_workorder WHERE warned_at IS NOT NULL;

INSERT INTO complaints_complaintevent (complaint_id, work_order_id, kind, actor_id, message, before, after, created_at)
SELECT complaint_id, id, 'sla_breached', NULL, '', '{}', '{"clock": "work_order"}', breached_at
FROM complaints_workorder WHERE breached_at IS NOT NULL;
