from django.db import migrations

TRAIN_TASK = "complaints.tasks.train_classifier_task"


def schedule_training(apps, schema_editor):
    from django.conf import settings

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Sunday 03:00 in the centre's zone: the quietest hour of the week.
    sunday_night, _created = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="3",
        day_of_week="0",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.CENTRE_TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name="Train the complaint classifier",
        defaults={"task": TRAIN_TASK, "crontab": sunday_night, "enabled": True},
    )


def unschedule_training(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TRAIN_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_default_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_training, unschedule_training)]
