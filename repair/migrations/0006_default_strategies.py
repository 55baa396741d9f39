"""A starting strategy library along the four lines (DOMAIN.md, customer-relationship repair),
and the roles' permissions on repair data."""

from django.db import migrations

from complaints.enums import Role
from complaints.roles import grant_permissions

STRATEGIES = [
    (
        "Personal apology by the responsible agent",
        "people",
        ["survey_dissatisfied", "complaint"],
        "Hello {customer_name}, this is {agent_name}. I handled your complaint {complaint_ref} "
        "and I am sorry it did not go well. I would like to hear what went wrong and put it "
        "right for you today.",
        "{customer_name}您好，我是{agent_name}，之前负责处理您的投诉{complaint_ref}。"
        "这次的处理没有让您满意，非常抱歉。想听听您的意见，今天就帮您把问题解决好。",
    ),
    (
        "Return the missed call and explain",
        "process",
        ["call_loss", "process"],
        "Hello {customer_name}, we missed your call earlier and could not reach you when we "
        "called back. We are sorry. What can we do for you now?",
        "{customer_name}您好，之前未能及时接听您的来电，回电时也没能联系上您，非常抱歉。"
        "请问现在有什么可以帮您？",
    ),
    (
        "Fix the system cause and confirm",
        "system",
        ["complaint", "key_event", "process"],
        "Hello {customer_name}, the fault behind {complaint_ref} has been fixed on our side. "
        "Could you check that everything works for you now?",
        "{customer_name}您好，导致{complaint_ref}的系统问题已经修复，麻烦您确认一下现在是否一切正常？",
    ),
    (
        "Joint follow-up with the department responsible",
        "cross_department",
        ["complaint", "key_event"],
        "Hello {customer_name}, together with our technical team we reviewed {complaint_ref}. "
        "Here is what was done and what we will do so it does not happen again.",
        "{customer_name}您好，我们已会同相关部门复盘了{complaint_ref}，"
        "向您说明处理结果以及防止再次发生的措施。",
    ),
]


def seed(apps, schema_editor):
    Strategy = apps.get_model("repair", "RepairStrategy")
    if not Strategy.objects.exists():
        for name, line, types, script_en, script_zh in STRATEGIES:
            Strategy.objects.create(
                name=name,
                line=line,
                damage_types=types,
                script_en=script_en,
                script_zh_hans=script_zh,
            )
    working = ["view_repaircase", "change_repaircase", "view_repaircontact", "add_repaircontact"]
    grant_permissions(
        apps,
        "repair",
        {
            Role.AGENT: [*working, "view_repairstrategy"],
            Role.SUPERVISOR: [
                *working,
                "add_repaircase",
                "view_repairstrategy",
                "add_repairstrategy",
                "change_repairstrategy",
            ],
            Role.ADMINISTRATOR: [
                *working,
                "add_repaircase",
                "view_repairstrategy",
                "add_repairstrategy",
                "change_repairstrategy",
                "delete_repairstrategy",
            ],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("repair", "0005_repair_cases")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
