"""Everything held on a customer: exported whole, and anonymised without losing statistics."""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.errors import ApplicationError
from complaints.models import (
    AuditAction,
    AuditEntry,
    Complaint,
    ComplaintEvent,
    Customer,
    MessageState,
    OutboundMessage,
)
from complaints.services.privacy import anonymise_customer, export_customer_data
from repair.enums import CallbackState
from repair.models import CallbackRequest, RepairCase
from repair.services.callbacks import book_callback, log_attempt
from repair.services.cases import log_repair_contact
from surveys import services as survey_services
from surveys.models import SurveyResponse
from tests.factories import CustomerFactory, make_complaint
from tests.surveys.test_services_surveys import answers_for

pytestmark = pytest.mark.django_db

PERSONAL = [
    "王秀英",
    "+8613912345678",
    "wang.xiuying@example.com",
    "ACC-778899",
    "宽带每天晚上掉线",
    "客户说邻居也有同样问题",
    "已更换光猫",
    "师傅态度很差",
    "请晚上七点以后打",
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def wang(agent, billing_department, media, django_capture_on_commit_callbacks):
    """A customer who left traces in every app."""
    customer = Customer.objects.create(
        name="王秀英",
        phone="+8613912345678",
        email="wang.xiuying@example.com",
        account_number="ACC-778899",
        notes="VIP since 2019",
    )
    complaint = make_complaint(
        customer=customer, description="宽带每天晚上掉线", assignee=agent, team=agent.team
    )
    services.start_work(complaint, by=agent)
    services.update_complaint(  # the timeline keeps the old text in its before/after
        complaint, changes={"description": "宽带每天晚上掉线，白天正常"}, by=agent
    )
    services.add_note(complaint, text="客户说邻居也有同样问题", by=agent)
    work_order = services.dispatch_work_order(
        complaint, department=billing_department, instructions="检查线路", by=agent
    )
    services.answer_work_order(work_order, answer="已更换光猫", by=None)
    services.add_attachment(
        complaint, upload=SimpleUploadedFile("照片.pdf", b"%PDF-1.4\n" + b"0" * 50), by=agent
    )
    services.propose_resolution(complaint, summary="已更换光猫", remedy="", by=agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_resolution(complaint, method="phone", note="", by=agent)
    survey_services.send_due_invitations(now=timezone.now() + dt.timedelta(hours=2))
    invitation = complaint.surveys.get()
    with django_capture_on_commit_callbacks(execute=True):
        survey_services.record_response(
            invitation,
            answers={
                **answers_for(invitation, score=2, level="2"),
                open_text(invitation): "师傅态度很差",
            },
            via="web",
        )
    survey_services.receive_sms_reply(phone=customer.phone, text="师傅态度很差")
    case = RepairCase.objects.get(customer=customer)
    log_repair_contact(case, agent=agent, channel="call", reached=True, note="已更换光猫")
    booking, _created = book_callback(
        phone="139 1234 5678", source="agent", reason="请晚上七点以后打", by=agent
    )
    booking.assignee = agent
    booking.save()
    log_attempt(booking, agent=agent, outcome="no_answer", note="请晚上七点以后打")
    return customer


def open_text(invitation) -> int:
    return invitation.questionnaire.questions.get(kind="open_text").pk


@pytest.fixture
def billing_department(department_user):
    return department_user.department


def everything_stored() -> str:
    """Every row of every model of the three apps, as one JSON text."""
    models = [
        model
        for label in ("complaints", "surveys", "repair")
        for model in apps.get_app_config(label).get_models()
    ]
    return serializers.serialize(
        "json", [row for model in models for row in model._base_manager.all()], ensure_ascii=False
    )


def test_the_export_holds_every_table_and_is_recorded(wang, supervisor):
    data = export_customer_data(wang, by=supervisor, via="page", path="/customers/1/export/")
    assert data["customer"]["phone"] == "+8613912345678"
    for table in (
        "complaints",
        "work_orders",
        "timeline",
        "attachments",
        "messages",
        "survey_invitations",
        "survey_responses",
        "survey_answers",
        "sms_replies",
        "callbacks",
        "callback_attempts",
        "repair_cases",
        "repair_contacts",
    ):
        assert data[table], table
    text = json.dumps(data, default=str, ensure_ascii=False)
    assert all(value in text for value in PERSONAL)
    entry = AuditEntry.objects.get(action=AuditAction.EXPORTED_CUSTOMER_DATA)
    assert entry.actor == supervisor and entry.customer == wang
    assert entry.detail["tables"]["complaints"] == 1


def test_anonymising_removes_the_identity_everywhere_and_keeps_the_statistics(
    wang, supervisor, media
):
    bystander = make_complaint(customer=CustomerFactory(name="李雷"), description="账单多扣费")
    scores = list(SurveyResponse.objects.values_list("score", flat=True))
    facts = list(Complaint.objects.values_list("id", "state", "priority", "category", "channel"))
    events = ComplaintEvent.objects.count()
    assert all(value in everything_stored() for value in PERSONAL)

    anonymise_customer(wang, by=supervisor, reason="客户 12月1日 电话要求", via="page")

    stored = everything_stored()
    assert [value for value in PERSONAL if value in stored] == []
    assert "账单多扣费" in stored and "李雷" in stored  # the others are untouched
    wang.refresh_from_db()
    assert wang.name == f"Anonymised {wang.pk}" and wang.phone is None and wang.anonymised_at
    # Statistics stay: every complaint, its facts, the timeline's length, the scores.
    assert (
        list(Complaint.objects.values_list("id", "state", "priority", "category", "channel"))
        == facts
    )
    assert ComplaintEvent.objects.count() == events
    assert list(SurveyResponse.objects.values_list("score", flat=True)) == scores
    assert not list(media.rglob("*.pdf"))  # attachments are gone from disk too
    # Nothing more goes to someone who is no longer there.
    assert not OutboundMessage.objects.filter(state=MessageState.PENDING, recipient="").exists()
    assert CallbackRequest.objects.get().state == CallbackState.CANCELLED
    entry = AuditEntry.objects.get(action=AuditAction.ANONYMISED_CUSTOMER)
    assert entry.actor == supervisor and entry.detail["reason"] == "客户 12月1日 电话要求"
    assert bystander.customer.phone in stored


def test_anonymising_needs_a_reason_and_happens_once(wang, supervisor):
    with pytest.raises(ApplicationError) as refused:
        anonymise_customer(wang, by=supervisor, reason=" ", via="page")
    assert "reason" in refused.value.details
    anonymise_customer(wang, by=supervisor, reason="request", via="page")
    with pytest.raises(ApplicationError) as again:
        anonymise_customer(wang, by=supervisor, reason="request", via="page")
    assert again.value.status == 409


def test_supervisors_export_and_anonymise_on_the_customer_page(client, wang, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("complaints:customer", args=[wang.pk]))
    assert page.status_code == 200 and 'data-testid="held"' in page.content.decode()
    download = client.get(reverse("complaints:customer_export", args=[wang.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="customer-{wang.pk}.json"'
    assert json.loads(download.content)["customer"]["email"] == "wang.xiuying@example.com"
    url = reverse("complaints:customer_anonymise", args=[wang.pk])
    refused = client.post(url, {"reason": "request"})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    assert client.post(url, {"reason": "request", "confirm": "on"}).status_code == 302
    wang.refresh_from_db()
    assert wang.anonymised_at is not None
    assert (
        'data-testid="anonymised"'
        in client.get(reverse("complaints:customer", args=[wang.pk])).content.decode()
    )


def test_the_customer_page_names_the_tables_in_the_page_s_language(client, wang, supervisor):
    client.force_login(supervisor)
    url = reverse("complaints:customer", args=[wang.pk])
    english = client.get(url).content.decode()
    assert ">Work orders</th>" in english and ">Repair cases</th>" in english
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    chinese = client.get(url).content.decode()
    assert ">工单</th>" in chinese and ">修复案例</th>" in chinese
    assert "work_orders" not in chinese  # the export's keys stay in the JSON file


def test_agents_may_not_see_export_or_anonymise(client, wang, agent):
    client.force_login(agent)
    assert client.get(reverse("complaints:customer", args=[wang.pk])).status_code == 403
    assert client.get(reverse("complaints:customer_export", args=[wang.pk])).status_code == 403
    url = reverse("complaints:customer_anonymise", args=[wang.pk])
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    wang.refresh_from_db()
    assert wang.anonymised_at is None


def test_a_thousand_customers_anonymise_in_one_call(supervisor):
    from complaints.services.privacy import anonymise_customers

    customers = Customer.objects.bulk_create(
        [Customer(name=f"客户{n}", phone=f"+861370000{n:04d}") for n in range(1000)]
    )
    assert (
        anonymise_customers([c.pk for c in customers], by=None, reason="retention", via="command")
        == 1000
    )
    assert not Customer.objects.filter(anonymised_at__isnull=True, name__startswith="客户").exists()
    assert AuditEntry.objects.filter(action=AuditAction.ANONYMISED_CUSTOMER).count() == 1000
