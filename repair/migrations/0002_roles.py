from django.db import migrations

from complaints.enums import Role
from complaints.roles import ALL, grant_permissions


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "repair",
        {
            Role.AGENT: [
                "view_callbackrequest",
                "add_callbackrequest",
                "change_callbackrequest",
                "view_repaircase",
                "change_repaircase",
            ],
            Role.SUPERVISOR: [
                "view_callbackrequest",
                "add_callbackrequest",
                "change_callbackrequest",
                "view_repaircase",
                "add_repaircase",
                "change_repaircase",
            ],
            Role.ADMINISTRATOR: ALL,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("repair", "0001_initial"), ("complaints", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
