from django.db import migrations

PURGE_TASK = "complaints.tasks.purge_idempotency_keys_task"


def schedule_purge(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Hourly: a key lives 24 h, so an hour of late deletion costs nothing.
    every_hour, _created = IntervalSchedule.objects.get_or_create(every=3600, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Purge expired idempotency keys",
        defaults={"task": PURGE_TASK, "interval": every_hour, "enabled": True},
    )


def unschedule_purge(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=PURGE_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0015_api_contract"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_purge, unschedule_purge)]
