from django.db import migrations

# Periodic work is scheduled from the database (django-celery-beat), so that
# operators can see and pause it in the admin; later apps add their own rows.
HEARTBEAT_TASK = "complaints.tasks.record_worker_heartbeat_task"


def create_periodic_tasks(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Worker heartbeat",
        defaults={"task": HEARTBEAT_TASK, "interval": every_minute, "enabled": True},
    )


def remove_periodic_tasks(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task=HEARTBEAT_TASK
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_default_categories"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_tasks, remove_periodic_tasks)]
