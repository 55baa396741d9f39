"""The webhook sender's sweep and the daily purge, and who manages webhooks (administrators)."""

from django.db import migrations

from complaints.enums import Role
from complaints.roles import grant_permissions

SWEEP_TASK = "complaints.tasks.send_webhooks_task"
PURGE_TASK = "complaints.tasks.purge_webhook_deliveries_task"
WEBHOOK_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("webhooksubscription", "webhookdelivery", "webhookattempt")
    for action in ("view", "add", "change", "delete")
]


def seed(apps, schema_editor):
    from django.conf import settings

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Webhook sweep",
        defaults={"task": SWEEP_TASK, "interval": every_minute, "enabled": True},
    )
    # 04:30 centre time: after the night's work, before the morning's.
    early_morning, _created = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="4",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.CENTRE_TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name="Webhook delivery purge",
        defaults={"task": PURGE_TASK, "crontab": early_morning, "enabled": True},
    )
    grant_permissions(apps, "complaints", {Role.ADMINISTRATOR: WEBHOOK_PERMISSIONS})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=[SWEEP_TASK, PURGE_TASK]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0017_webhooks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
