"""Default SLA policies (DOMAIN.md figures), the deadline check and outbox sweep schedules,
and the roles' permissions on the new models."""

from django.db import migrations

from complaints.enums import Role
from complaints.roles import grant_permissions

# priority, first response minutes, resolution minutes
COMPLAINT_POLICIES = [
    ("urgent", 60, 24 * 60),
    ("general", 4 * 60, 24 * 60),
    ("non_urgent", 24 * 60, 48 * 60),
]
WORK_ORDER_MINUTES = 48 * 60

PERIODIC = [
    ("SLA deadline check", "complaints.tasks.check_deadlines_task"),
    ("Outbox sweep", "complaints.tasks.send_outbox_task"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    if not SlaPolicy.objects.exists():
        for priority, response, resolution in COMPLAINT_POLICIES:
            SlaPolicy.objects.create(
                applies_to="complaint",
                priority=priority,
                first_response_minutes=response,
                resolution_minutes=resolution,
            )
        SlaPolicy.objects.create(applies_to="work_order", resolution_minutes=WORK_ORDER_MINUTES)

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    for name, task in PERIODIC:
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": every_minute, "enabled": True}
        )

    grant_permissions(
        apps,
        "complaints",
        {
            Role.AGENT: ["view_slapolicy", "view_notification", "view_businesscalendar"],
            Role.SUPERVISOR: [
                "view_slapolicy",
                "add_slapolicy",
                "change_slapolicy",
                "view_businesscalendar",
                "add_businesscalendar",
                "change_businesscalendar",
                "view_notification",
                "view_outboundmessage",
            ],
            Role.DEPARTMENT: ["view_notification"],
            Role.ADMINISTRATOR: [
                "view_slapolicy",
                "add_slapolicy",
                "change_slapolicy",
                "delete_slapolicy",
                "view_businesscalendar",
                "add_businesscalendar",
                "change_businesscalendar",
                "delete_businesscalendar",
                "view_notification",
                "view_outboundmessage",
                "change_outboundmessage",
            ],
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=[task for _name, task in PERIODIC]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0010_sla"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
