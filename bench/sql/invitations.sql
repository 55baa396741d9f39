-- One invitation per closed complaint, sent an hour after closing, unless the customer was
-- asked within the 30-day window (then recorded as suppressed, as invite_after_closure does).
INSERT INTO surveys_surveyinvitation (complaint_id, topic, customer_id, questionnaire_id, channel,
    state, nonce, rated_agent_id, send_after, sent_at, expires_at, created_at)
SELECT id, '', customer_id, questionnaire, 'sms',
    CASE WHEN suppressed THEN 'suppressed'
         WHEN confirmed_at + interval '60 minutes' > %(now)s::timestamptz THEN 'scheduled'
         WHEN r_answer < 0.30 AND confirmed_at + interval '61 minutes' < %(now)s::timestamptz THEN 'answered'
         ELSE 'sent' END,
    md5('bench-invitation-' || id),
    agent_id, confirmed_at + interval '60 minutes',
    CASE WHEN NOT suppressed AND confirmed_at + interval '60 minutes' <= %(now)s::timestamptz
         THEN confirmed_at + interval '60 minutes' END,
    CASE WHEN NOT suppressed AND confirmed_at + interval '60 minutes' <= %(now)s::timestamptz
         THEN confirmed_at + interval '60 minutes 7 days' END,
    confirmed_at
FROM (
    SELECT p.id, p.customer_id, p.agent_id, p.confirmed_at, random() AS r_answer,
        CASE WHEN cu.language = 'en' THEN %(questionnaire_en)s ELSE %(questionnaire_zh)s END AS questionnaire,
        coalesce(p.confirmed_at - lag(p.confirmed_at) OVER (PARTITION BY p.customer_id ORDER BY p.confirmed_at)
                 < interval '30 days', false) AS suppressed
    FROM plan p JOIN complaints_customer cu ON cu.id = p.customer_id
    WHERE p.state IN ('closed', 'reopened')
) AS i
ORDER BY confirmed_at
