"""One small centre for the permission matrix (tests/config/test_permission_matrix.py).

Every object a route can name exists once, belongs to team A ("Front line A") and is
about one customer whose name, full phone number and complaint description are
sentinels: a response to a caller who may not see the object must contain none of them.
Built once per module through the real services, inside a transaction the module
rolls back at the end.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services
from complaints.models import (
    Category,
    ClassificationRule,
    Customer,
    Department,
    Notification,
    SlaPolicy,
    Team,
    User,
    WebhookDelivery,
)
from complaints.services import issue_api_token
from complaints.services.tokens import KNOWN_SCOPES
from complaints.services.webhooks import create_subscription
from repair.enums import ImportState
from repair.models import KeyEvent, RepairCase, RepairStrategy
from repair.services.callbacks import book_callback
from surveys import services as survey_services

# The sentinels. The phone is stored in E.164 (+8613987654321) and shown masked as
# 139****4321; its national digits, in either spelling, must never reach a masked role.
DESCRIPTION = "Sentinel-7f3a: the router in flat 12 hums at night"
NAME = "Matrixova Sentinelle"
PHONE = "13987654321"
PHONE_SPELLINGS = (PHONE, "139 8765 4321", "139-8765-4321")
# Team B's complaint, dispatched to another department: what team A, the billing
# department and their leads must never see.
DESCRIPTION_B = "Sentinel-b41d: the meter in the basement reads double"
NAME_B = "Betaline Sentinelle"
PHONE_B = "13611223344"
PHONE_SPELLINGS_B = (PHONE_B, "136 1122 3344", "136-1122-3344")
SENTINELS = (DESCRIPTION, NAME, *PHONE_SPELLINGS, DESCRIPTION_B, NAME_B, *PHONE_SPELLINGS_B)

# The smallest PNG the attachment service accepts by its content.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.png", PNG, content_type="image/png")


def csv_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("affected.csv", b"13800000001,A\n", content_type="text/csv")


@dataclass
class World:
    users: dict[str, User]
    objects: dict[str, Any]
    survey_token: str
    tokens: dict[tuple[str, frozenset[str]], str] = field(default_factory=dict)
    # A session cookie per caller, logged in once for the module.
    sessions: dict[str, str] = field(default_factory=dict)

    def pk(self, name: str) -> Any:
        return self.objects[name].pk

    def token(self, username: str, scopes: frozenset[str]) -> str:
        """The raw value of ``username``'s token holding exactly ``scopes`` (issued once)."""
        key = (username, scopes)
        if key not in self.tokens:
            _token, raw = issue_api_token(
                name=f"matrix {username} {len(self.tokens)}",
                user=self.users[username],
                scopes=sorted(scopes),
            )
            self.tokens[key] = raw
        return self.tokens[key]


def _user(username: str, role: str, **fields) -> User:
    user = User.objects.create_user(username=username, password="matrix-pass-2026", **fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def build_world() -> World:
    """The people and one of every object, through the services where there is one."""
    team_a = Team.objects.get_or_create(name="Front line A")[0]
    team_b = Team.objects.get_or_create(name="Front line B")[0]
    billing = Department.objects.get_or_create(code="billing", defaults={"name": "Billing"})[0]
    network = Department.objects.get_or_create(code="network", defaults={"name": "Network"})[0]
    users = {
        "agent": _user("m-agent", "Agent", team=team_a),
        # The complaint's assignee: not a caller, because an assignee sees the full phone.
        "owner": _user("m-owner", "Agent", team=team_a),
        "other": _user("m-other", "Agent", team=team_b),
        "owner_b": _user("m-owner-b", "Agent", team=team_b),
        "lead": _user("m-lead", "Team lead", team=team_a),
        "supervisor": _user("m-supervisor", "Supervisor", team=team_a),
        "admin": _user("m-admin", "Administrator", is_staff=True),
        "dept": _user("m-billing", "Department", department=billing),
        # What integration tokens act as: an administrator, so that a token is refused
        # for its scope alone, never for its user's role.
        "service": _user("m-service", "Administrator"),
    }
    owner, supervisor, admin = users["owner"], users["supervisor"], users["admin"]

    # Before the complaints, so that their creation is a delivery carrying the full phone
    # (the first one: complaint A's).
    subscription, _secret = create_subscription(
        name="Matrix CRM",
        url="http://127.0.0.1:9/hooks",  # nothing listens: deliveries stay queued
        events=["complaint.created"],
        include_contact_details=True,
        by=admin,
    )
    customer = Customer.objects.create(name=NAME, phone=f"+86{PHONE}", email="m@example.com")
    complaint = services.register_complaint(
        customer=customer,
        channel="phone",
        description=DESCRIPTION,
        category=Category.objects.get(code="network_signal"),
        team=team_a,
        assignee=owner,
        created_by=owner,
    )
    complaint = services.start_work(complaint, by=owner)
    work_order = services.dispatch_work_order(
        complaint, department=billing, instructions="Check the bill", by=owner
    )
    complaint.refresh_from_db()
    customer_b = Customer.objects.create(name=NAME_B, phone=f"+86{PHONE_B}")
    complaint_b = services.register_complaint(
        customer=customer_b,
        channel="web",
        description=DESCRIPTION_B,
        category=Category.objects.get(code="network_signal"),
        team=team_b,
        assignee=users["owner_b"],
        created_by=users["owner_b"],
    )
    complaint_b = services.start_work(complaint_b, by=users["owner_b"])
    work_order_b = services.dispatch_work_order(
        complaint_b, department=network, instructions="Check the meter", by=users["owner_b"]
    )
    attachment = services.add_attachment(complaint, upload=png_upload(), by=owner)
    callback, _created = book_callback(
        phone=PHONE, source="ivr", complaint=complaint, customer_name=NAME
    )
    case = RepairCase.objects.create(
        customer=customer,
        complaint=complaint,
        team=team_a,
        owner=owner,
        damage_type="call_loss",
        due_at=timezone.now() + dt.timedelta(hours=48),
    )
    event = KeyEvent.objects.create(
        name="Fibre cut",
        kind="network_outage",
        started_at=timezone.now() - dt.timedelta(hours=2),
        sms_en="Sorry, {customer_name}.",
        sms_zh_hans="{customer_name}您好，抱歉。",
        created_by=supervisor,
        import_state=ImportState.DONE,
    )
    event.errors_file.save("skipped.csv", ContentFile(b"line,phone,reason\n"))
    invitation = survey_services.invite_customer(
        customer=customer, topic="Matrix follow-up", rated_agent=owner
    )
    answered = survey_services.invite_customer(
        customer=customer, topic="Matrix answered", rated_agent=owner, respect_suppression=False
    )
    questions = {q.kind: q.pk for q in answered.questionnaire.questions.all()}
    response = survey_services.record_response(
        answered,
        answers={questions["score"]: 5, questions["satisfaction"]: "5"},
        via="phone",
        recorded_by=owner,
    )
    victim, _raw = issue_api_token(name="matrix victim", user=users["service"], scopes=[])
    notification = Notification.objects.create(
        recipient=users["agent"], kind="sla_warning", message="Due soon", complaint=complaint
    )
    objects = {
        "complaint": complaint,
        "work_order": work_order,
        "complaint_b": complaint_b,
        "customer_b": customer_b,
        "work_order_b": work_order_b,
        "team_b": team_b,
        "attachment": attachment,
        "customer": customer,
        "callback": callback,
        "case": case,
        "key_event": event,
        "invitation": invitation,
        "response": response,
        "strategy": RepairStrategy.objects.filter(is_active=True).order_by("pk").first(),
        "rule": ClassificationRule.objects.order_by("pk").first(),
        "policy": SlaPolicy.objects.order_by("pk").first(),
        "token": victim,
        "subscription": subscription,
        "delivery": WebhookDelivery.objects.filter(subscription=subscription).order_by("pk")[0],
        "notification": notification,
    }
    return World(users=users, objects=objects, survey_token=survey_services.token_for(invitation))


ALL_SCOPES = frozenset(KNOWN_SCOPES)
