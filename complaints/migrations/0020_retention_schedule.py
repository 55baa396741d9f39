from django.db import migrations

RETENTION_TASK = "complaints.tasks.apply_retention_task"


def schedule_retention(apps, schema_editor):
    from django.conf import settings

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Sunday 04:30 in the centre's zone: a quiet hour, after the 03:00 classifier training.
    sunday_night, _created = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="4",
        day_of_week="0",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.CENTRE_TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name="Apply retention periods",
        defaults={"task": RETENTION_TASK, "crontab": sunday_night, "enabled": True},
    )


def unschedule_retention(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task=RETENTION_TASK
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0019_queue_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_retention, unschedule_retention)]
