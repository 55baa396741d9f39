from django.db import migrations

from complaints.enums import Role
from complaints.roles import ALL, grant_permissions

AGENT = [
    "view_complaint",
    "add_complaint",
    "change_complaint",
    "view_customer",
    "add_customer",
    "change_customer",
    "view_workorder",
    "add_workorder",
    "view_complaintevent",
    "view_category",
    "view_team",
    "view_department",
]
SUPERVISOR = [
    *AGENT,
    "view_all_complaints",
    "view_contact_details",
    "view_dashboard",
    "change_workorder",
    "add_category",
    "change_category",
    "change_team",
    "view_user",
]
DEPARTMENT = [
    "view_complaint",
    "view_workorder",
    "answer_workorder",
    "view_complaintevent",
    "view_department",
]


def create_roles(apps, schema_editor):
    grant_permissions(
        apps,
        "complaints",
        {
            Role.AGENT: AGENT,
            Role.SUPERVISOR: SUPERVISOR,
            Role.ADMINISTRATOR: ALL,
            Role.DEPARTMENT: DEPARTMENT,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
