"""Demo data for ``make run``: people, teams, departments, customers, complaints.

Idempotent: a second run finds what the first created and adds nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from complaints.enums import Channel, Emotion, Expectation, Priority, Role, Subject
from complaints.models import Category, Complaint, Customer, Department, Team, User
from complaints.reports.rollups import rebuild
from complaints.services import get_or_create_customer, register_complaint

# Printed at the end; demo passwords are public by design and refused in production.
DEMO_USERS = [
    # username, password, role, first name, last name, team, department
    ("agent", "agent-demo-2026", Role.AGENT, "Li", "Na", "Front line A", None),
    ("agent2", "agent-demo-2026", Role.AGENT, "Wang", "Fang", "Front line B", None),
    ("lead", "lead-demo-2026", Role.TEAM_LEAD, "Sun", "Li", "Front line A", None),
    ("supervisor", "supervisor-demo-2026", Role.SUPERVISOR, "Zhang", "Wei", "Front line A", None),
    ("admin", "admin-demo-2026", Role.ADMINISTRATOR, "Admin", "", None, None),
    ("billing", "billing-demo-2026", Role.DEPARTMENT, "Chen", "Jie", None, "billing"),
    ("network", "network-demo-2026", Role.DEPARTMENT, "Zhao", "Lei", None, "network"),
]

DEPARTMENTS = [
    ("billing", "Billing 计费部"),
    ("network", "Network operations 网络维护部"),
    ("logistics", "Logistics 物流部"),
    ("technical", "Technical support 技术支持部"),
]

CUSTOMERS = [
    # phone, name, account, tier, language
    ("13812345678", "王小明", "A-100001", "vip", "zh-hans"),
    ("13987654321", "李红", "A-100002", "regular", "zh-hans"),
    ("+86 137-0000-1111", "Emily Carter", "A-100003", "regular", "en"),
    ("0086 13600002222", "赵强", "A-100004", "regular", "zh-hans"),
    ("15011112222", "David Liu", "A-100005", "vip", "en"),
]

COMPLAINTS = [
    # customer account, hours ago, channel, category, priority, emotion, expectation, team, text
    (
        "A-100001",
        2,
        Channel.PHONE,
        "network_signal",
        Priority.URGENT,
        Emotion.ANGRY,
        Expectation.REPAIR,
        "Front line A",
        "家里宽带已经断网三天了，整个小区都没有信号，多次报修无人处理，再不解决就向工信部投诉。",
    ),
    (
        "A-100002",
        5,
        Channel.SMS,
        "billing_dispute",
        Priority.GENERAL,
        Emotion.UPSET,
        Expectation.REFUND,
        "Front line A",
        "本月话费多扣了50元，没有订购任何增值业务，要求退款。",
    ),
    (
        "A-100003",
        20,
        Channel.EMAIL,
        "logistics_delay",
        Priority.GENERAL,
        Emotion.UPSET,
        Expectation.EXPLANATION,
        "Front line A",
        "My replacement router was promised for Monday and has still not arrived. "
        "Please tell me where it is.",
    ),
    (
        "A-100004",
        30,
        Channel.WALK_IN,
        "staff_attitude",
        Priority.GENERAL,
        Emotion.ANGRY,
        Expectation.APOLOGY,
        "Front line B",
        "营业厅工作人员态度恶劣，办理业务时不耐烦，要求道歉。",
    ),
    (
        "A-100005",
        1,
        Channel.PHONE,
        "product_defect",
        Priority.URGENT,
        Emotion.THREATENING,
        Expectation.REPLACEMENT,
        "Front line B",
        "The modem you installed sparked and started to smoke last night. "
        "I have contacted a lawyer and the local media.",
    ),
    (
        "A-100001",
        48,
        Channel.APP,
        "inquiry",
        Priority.NON_URGENT,
        Emotion.CALM,
        Expectation.EXPLANATION,
        "Front line A",
        "想咨询一下套餐变更后，原来的流量包是否还能继续使用。",
    ),
]


class Command(BaseCommand):
    help = "Load idempotent demo data (users, teams, departments, customers, complaints)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is refused in the production profile.")
        with transaction.atomic():
            teams = {name: Team.objects.get_or_create(name=name)[0] for name in _team_names()}
            departments = {
                code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
                for code, name in DEPARTMENTS
            }
            users = {row[0]: self._user(row, teams, departments) for row in DEMO_USERS}
            created = self._complaints(teams, users)
        # The trends read the roll-ups; beat refreshes them every few minutes, but the
        # demo's complaints go back days: fill them now.
        rebuild()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new complaints)."))
        self.stdout.write("Demo logins (username / password):")
        for username, password, role, *_rest in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {password:<22} {role.label}")

    def _user(self, row, teams, departments) -> User:
        username, password, role, first_name, last_name, team, department = row
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "team": teams.get(team),
                "department": departments.get(department),
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role.value))
        return user

    def _customers(self) -> dict[str, Customer]:
        customers = {}
        for phone, name, account, tier, language in CUSTOMERS:
            customer, created = get_or_create_customer(
                phone=phone, name=name, account_number=account
            )
            if created:
                customer.tier = tier
                customer.language = language
                customer.save(update_fields=["tier", "language", "updated_at"])
            customers[account] = customer
        return customers

    def _complaints(self, teams, users) -> int:
        categories = {category.code: category for category in Category.objects.all()}
        customers = self._customers()
        created = 0
        for (
            account,
            hours_ago,
            channel,
            category,
            priority,
            emotion,
            expectation,
            team,
            text,
        ) in COMPLAINTS:
            customer = customers[account]
            if Complaint.objects.filter(customer=customer, description=text).exists():
                continue
            register_complaint(
                customer=customer,
                channel=channel,
                description=text,
                created_by=users["agent"],
                priority=priority,
                category=categories[category],
                emotion=emotion,
                expectation=expectation,
                subject=Subject.SERVICE,
                team=teams[team],
                received_at=timezone.now() - timedelta(hours=hours_ago),
            )
            created += 1
        return created


def _team_names() -> set[str]:
    """The agents' teams, the complaints' teams, and the quality repair team."""
    names = {row[5] for row in DEMO_USERS if row[5]} | {row[7] for row in COMPLAINTS}
    return names | {settings.REPAIR_QUALITY_TEAM}
