from django.db import migrations

from complaints.enums import Role
from complaints.roles import grant_permissions

RULES = [
    "view_classificationrule",
    "add_classificationrule",
    "change_classificationrule",
    "delete_classificationrule",
]


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "complaints",
        {
            Role.AGENT: ["view_classificationrule"],
            Role.SUPERVISOR: [*RULES, "view_classifiermodel"],
            Role.ADMINISTRATOR: [*RULES, "view_classifiermodel", "change_classifiermodel"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0008_classifier_schedule")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
