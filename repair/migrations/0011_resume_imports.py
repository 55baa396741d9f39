from django.db import migrations

RESUME_TASK = "repair.tasks.resume_key_event_imports_task"


def schedule(apps, schema_editor):
    """Every minute, imports left behind by a dead worker or a lost message start again."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Resume key-event imports",
        defaults={"task": RESUME_TASK, "interval": every_minute, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=RESUME_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("repair", "0010_repair_follow_up_survey"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
