from django.db import migrations

from complaints.enums import Role
from complaints.roles import grant_permissions

ASSIGN_TASK = "repair.tasks.assign_callbacks_task"


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Assign callbacks",
        defaults={"task": ASSIGN_TASK, "interval": every_minute, "enabled": True},
    )
    grant_permissions(
        apps,
        "repair",
        {
            Role.AGENT: ["view_callbackattempt", "add_callbackattempt", "view_callbackagent"],
            Role.SUPERVISOR: [
                "view_callbackattempt",
                "add_callbackattempt",
                "view_callbackagent",
                "change_callbackagent",
            ],
            Role.ADMINISTRATOR: [
                "view_callbackattempt",
                "add_callbackattempt",
                "view_callbackagent",
                "add_callbackagent",
                "change_callbackagent",
                "delete_callbackagent",
            ],
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=ASSIGN_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("repair", "0003_callbacks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
