INSERT INTO surveys_surveyresponse (invitation_id, complaint_id, customer_id, agent_id, team_id,
    category_code, complaint_channel, answered_via, score, recommend, comment, is_low, created_at)
SELECT id, complaint_id, customer_id, rated_agent_id, team_id, category_code, channel,
    CASE WHEN r_via < 0.70 THEN 'web' WHEN r_via < 0.98 THEN 'sms' ELSE 'phone' END,
    score, least(10, greatest(0, score * 2 - 2 + floor(r_rec * 3)::int)),
    CASE WHEN score <= 2 THEN '处理太慢了，问题拖了很久。' WHEN r_via < 0.1 THEN 'Thank you.' ELSE '' END,
    score <= 2, answered
FROM (
    SELECT *,
        CASE WHEN r_score < 0.45 THEN 5 WHEN r_score < 0.73 THEN 4 WHEN r_score < 0.85 THEN 3
             WHEN r_score < 0.93 THEN 2 ELSE 1 END AS score,
        least(sent_at + make_interval(secs => 86400 * 6 * power(r_when, 3)),
              %(now)s::timestamptz - interval '1 minute') AS answered
    FROM (
        SELECT i.id, i.complaint_id, i.customer_id, i.rated_agent_id, i.sent_at, p.team_id,
            p.category_code, p.channel, random() AS r_via, random() AS r_rec,
            random() AS r_when, random() AS r_score
        FROM surveys_surveyinvitation i JOIN plan p ON p.id = i.complaint_id
        WHERE i.state = 'answered'
    ) AS drawn
) AS scored
ORDER BY answered
