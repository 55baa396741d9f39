from django.db import migrations

from complaints.enums import Role
from complaints.roles import grant_permissions

MANAGE = ["view_keyevent", "add_keyevent", "change_keyevent", "view_keyeventcustomer"]


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "repair",
        {
            Role.AGENT: ["view_keyevent"],
            Role.SUPERVISOR: MANAGE,
            Role.ADMINISTRATOR: [*MANAGE, "delete_keyevent"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("repair", "0007_key_events")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
