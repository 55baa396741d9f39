from django.db import migrations

from complaints.enums import Role
from complaints.roles import ALL, grant_permissions


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "surveys",
        {
            Role.AGENT: ["view_questionnaire", "view_question"],
            Role.SUPERVISOR: [
                "view_questionnaire",
                "add_questionnaire",
                "change_questionnaire",
                "view_question",
                "add_question",
                "change_question",
                "delete_question",
            ],
            Role.ADMINISTRATOR: ALL,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial"), ("complaints", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
