"""The default "complaint handling" questionnaire in English and Simplified Chinese,
the invitation-sending schedule, and the roles' permissions on survey data."""

from django.db import migrations

from complaints.enums import Role
from complaints.roles import grant_permissions

LEVELS = {
    "en": ["Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Dissatisfied",
           "Very dissatisfied"],
    "zh-hans": ["非常满意", "满意", "一般", "不满意", "非常不满意"],
}  # fmt: skip
QUESTIONNAIRES = {
    "en": (
        "Complaint handling",
        [
            ("score", "How satisfied are you with how we handled your complaint? (1–5)", [], True),
            ("satisfaction", "How satisfied are you with the agent who looked after you?",
             "LEVELS", True),
            ("multiple_choice", "What could we do better?",
             ["Speed", "Attitude", "The solution", "Keeping you informed"], False),
            ("recommend", "How likely are you to recommend us to friends or family? (0–10)", [],
             False),
            ("open_text", "Anything else you would like to tell us?", [], False),
        ],
    ),
    "zh-hans": (
        "投诉处理满意度调查",
        [
            ("score", "您对本次投诉的处理结果满意吗？（1–5分）", [], True),
            ("satisfaction", "您对为您服务的客服人员是否满意？", "LEVELS", True),
            ("multiple_choice", "您认为我们哪些方面需要改进？",
             ["处理速度", "服务态度", "解决方案", "进展告知"], False),
            ("recommend", "您向亲友推荐我们的可能性有多大？（0–10分）", [], False),
            ("open_text", "您还有什么意见或建议？", [], False),
        ],
    ),
}  # fmt: skip

SEND_TASK = "surveys.tasks.send_survey_invitations_task"


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Question = apps.get_model("surveys", "Question")
    for language, (name, questions) in QUESTIONNAIRES.items():
        if Questionnaire.objects.filter(language=language, is_default=True).exists():
            continue
        questionnaire = Questionnaire.objects.create(
            name=name, language=language, is_active=True, is_default=True
        )
        for position, (kind, text, choices, required) in enumerate(questions, start=1):
            Question.objects.create(
                questionnaire=questionnaire,
                position=position,
                kind=kind,
                text=text,
                choices=LEVELS[language] if choices == "LEVELS" else choices,
                required=required,
            )
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Send survey invitations",
        defaults={"task": SEND_TASK, "interval": every_minute, "enabled": True},
    )
    readable = [
        "view_surveyinvitation",
        "view_surveyresponse",
        "view_surveyanswer",
        "view_smsreply",
    ]
    grant_permissions(
        apps,
        "surveys",
        {
            Role.AGENT: [*readable, "add_surveyresponse", "change_smsreply"],
            Role.SUPERVISOR: [*readable, "add_surveyresponse", "change_smsreply"],
            Role.ADMINISTRATOR: [*readable, "add_surveyresponse", "change_smsreply"],
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=SEND_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_invitations_responses"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
