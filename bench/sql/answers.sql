INSERT INTO surveys_surveyanswer (response_id, question_id, value)
SELECT r.id, q.question_id, q.value
FROM surveys_surveyresponse r
JOIN surveys_surveyinvitation i ON i.id = r.invitation_id
CROSS JOIN LATERAL (VALUES
    (CASE WHEN i.questionnaire_id = %(questionnaire_en)s THEN %(q_score_en)s ELSE %(q_score_zh)s END,
     to_jsonb(r.score)),
    (CASE WHEN i.questionnaire_id = %(questionnaire_en)s THEN %(q_level_en)s ELSE %(q_level_zh)s END,
     to_jsonb(r.score::text)),
    (CASE WHEN i.questionnaire_id = %(questionnaire_en)s THEN %(q_recommend_en)s ELSE %(q_recommend_zh)s END,
     to_jsonb(r.recommend))
) AS q(question_id, value)
WHERE q.question_id IS NOT NULL
ORDER BY r.id
