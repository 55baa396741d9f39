INSERT INTO complaints_complaint (
    id, reference, received_at, channel, customer_id, subject, subject_detail, category_id,
    description, expectation, expectation_detail, emotion, priority, classification, state,
    team_id, assignee_id, created_by_id, resolution_summary, remedy, resolved_at, confirmed_at,
    confirmation_method, confirmation_note, reopen_count, repeat_of_id, duplicate_of_id,
    cancel_reason, cancel_note, sla_policy_id,
    response_due_at, response_warn_at, response_met_at, response_warned_at, response_breached_at,
    resolution_due_at, resolution_warn_at, resolution_met_at, resolution_warned_at,
    resolution_breached_at, resolution_paused_at, resolution_paused_seconds,
    version, created_at, updated_at)
SELECT id,
    'C-' || year || '-' || lpad(row_number() OVER (PARTITION BY year ORDER BY id)::text, 6, '0'),
    recv, channel, customer_id,
    CASE WHEN r_misc < 0.5 THEN 'service' WHEN r_misc < 0.8 THEN 'product'
         WHEN r_misc < 0.92 THEN 'staff' ELSE 'branch' END,
    '', category_id,
    (%(descriptions)s::text[])[cat][1 + floor(r_sub * %(description_count)s)::int]
        || ' (#' || id || ')',
    (ARRAY['explanation', 'refund', 'repair', 'compensation', 'apology', 'replacement', 'other'])
        [1 + floor(r_emo * 7)::int],
    '', emotion, priority,
    jsonb_build_object('priority', priority, 'category', category_code, 'source', 'rules',
                       'rules', '[]'::jsonb, 'suggestion', NULL),
    state, team_id,
    CASE WHEN state = 'new' OR cancelled_new THEN NULL ELSE agent_id END,
    creator_id,
    CASE WHEN resolved THEN (%(summaries)s::text[])[1 + floor(r_confirm * array_length(%(summaries)s::text[], 1))::int] ELSE '' END,
    '',
    CASE WHEN resolved THEN resolved_at END,
    CASE WHEN state = 'closed' THEN confirmed_at END,
    CASE WHEN state = 'closed' THEN
        CASE WHEN r_confirm < 0.60 THEN 'phone' WHEN r_confirm < 0.85 THEN 'sms'
             WHEN r_confirm < 0.90 THEN 'email' WHEN r_confirm < 0.93 THEN 'in_person'
             ELSE 'no_answer_rule' END
    ELSE '' END,
    '',
    CASE WHEN state = 'reopened' THEN 1 ELSE 0 END,
    repeat_of_id,
    CASE WHEN state = 'cancelled' THEN duplicate_of_id END,
    CASE WHEN state <> 'cancelled' THEN '' WHEN duplicate_of_id IS NOT NULL THEN 'duplicate'
         ELSE 'invalid' END,
    CASE WHEN state = 'cancelled' AND duplicate_of_id IS NULL THEN 'Not a complaint: wrong number'
         ELSE '' END,
    policy_id,
    response_due, response_warn, response_met_at,
    CASE WHEN response_warn + interval '30 seconds' < coalesce(response_met_at, %(now)s::timestamptz)
         THEN response_warn + interval '30 seconds' END,
    CASE WHEN response_due + interval '30 seconds' < coalesce(response_met_at, %(now)s::timestamptz)
         THEN response_due + interval '30 seconds' END,
    resolution_due, resolution_warn, resolution_met_at,
    CASE WHEN resolution_warn + interval '30 seconds'
              < coalesce(resolution_met_at, resolution_paused_at, %(now)s::timestamptz)
         THEN resolution_warn + interval '30 seconds' END,
    CASE WHEN resolution_due + interval '30 seconds'
              < coalesce(resolution_met_at, resolution_paused_at, %(now)s::timestamptz)
         THEN resolution_due + interval '30 seconds' END,
    resolution_paused_at,
    CASE WHEN has_pause AND state <> 'waiting_customer' THEN pause_seconds::int ELSE 0 END,
    1 + (state <> 'new' AND NOT cancelled_new)::int
      + (state IN ('in_progress', 'waiting_customer', 'waiting_department', 'resolved', 'closed', 'reopened'))::int
      + has_wo::int * 2 + has_pause::int * 2 + resolved::int + (state IN ('closed', 'reopened'))::int
      + (state = 'reopened')::int + (state = 'cancelled')::int,
    recv,
    CASE state WHEN 'new' THEN recv WHEN 'assigned' THEN assigned_at
               WHEN 'waiting_customer' THEN paused_at WHEN 'waiting_department' THEN dispatched_at
               WHEN 'resolved' THEN resolved_at WHEN 'closed' THEN confirmed_at
               WHEN 'reopened' THEN reopened_at WHEN 'cancelled' THEN assigned_at
               ELSE greatest(started_at, CASE WHEN has_wo THEN answered_at END) END
FROM (
    SELECT *,
        extract(year FROM recv AT TIME ZONE %(tz)s)::int AS year,
        state IN ('resolved', 'closed', 'reopened') AS resolved,
        recv + make_interval(secs => resp_s) AS response_due,
        recv + make_interval(secs => resp_s * 0.8) AS response_warn,
        CASE WHEN state = 'cancelled' THEN assigned_at  -- stop_clocks meets it
             WHEN state = 'new' THEN NULL
             WHEN response_met THEN responded_at END AS response_met_at,
        CASE WHEN state = 'reopened' THEN reopened_at + make_interval(secs => resol_s)
             WHEN has_pause AND state <> 'waiting_customer'
                 THEN recv + make_interval(secs => resol_s + pause_seconds)
             ELSE recv + make_interval(secs => resol_s) END AS resolution_due,
        CASE WHEN state = 'reopened' THEN reopened_at + make_interval(secs => resol_s * 0.8)
             WHEN has_pause AND state <> 'waiting_customer'
                 THEN recv + make_interval(secs => resol_s * 0.8 + pause_seconds)
             ELSE recv + make_interval(secs => resol_s * 0.8) END AS resolution_warn,
        CASE WHEN state IN ('resolved', 'closed') THEN resolved_at
             WHEN state = 'cancelled' THEN coalesce(assigned_at, recv) END AS resolution_met_at,
        CASE WHEN state = 'waiting_customer' THEN paused_at END AS resolution_paused_at
    FROM plan
) AS p
