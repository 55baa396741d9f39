"""Intake, the complaint page and its actions, and the department page, through HTTP."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.enums import EventKind, State
from complaints.models import Complaint, Customer, Department, WorkOrder
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

INTAKE = {
    "phone": "+86 138-1234-5678",
    "customer_name": "王小明",
    "channel": "phone",
    "subject": "service",
    "category": "",
    "description": "家里宽带已经断网三天了，多次报修无人处理。",
    "expectation": "repair",
    "emotion": "angry",
    "priority": "urgent",
    "assign_to_me": "on",
}


def action(client, complaint, name, **data):
    complaint.refresh_from_db()
    data.setdefault("version", complaint.version)
    return client.post(reverse("complaints:action", args=[complaint.pk, name]), data)


def test_an_agent_registers_a_complaint_in_chinese(client, agent):
    client.force_login(agent)
    response = client.post(reverse("complaints:new"), INTAKE)
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    assert complaint.customer.phone == "+8613812345678"
    assert complaint.customer.name == "王小明"
    assert complaint.assignee == agent and complaint.state == State.ASSIGNED
    assert complaint.team == agent.team
    page = client.get(response["Location"]).content.decode()
    assert "家里宽带已经断网三天了" in page
    assert complaint.reference in page


def test_bad_intake_shows_messages_beside_the_fields_and_keeps_the_input(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("complaints:new"), {**INTAKE, "phone": "12", "description": "", "channel": "fax"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"phone", "description", "channel"}
    content = response.content.decode()
    assert content.count("invalid-feedback") >= 3
    assert "王小明" in content  # nothing the agent typed is lost
    assert not Complaint.objects.exists() and not Customer.objects.exists()


def test_the_phone_lookup_shows_the_customer_and_warns_of_repeats(client, agent, team):
    earlier = make_complaint(team=team, description="上次的投诉")
    client.force_login(agent)
    url = reverse("complaints:customer_lookup")
    found = client.get(url, {"phone": earlier.customer.phone[3:]}, HTTP_HX_REQUEST="true")
    content = found.content.decode()
    assert earlier.customer.name in content
    assert 'data-testid="repeat-warning"' in content
    assert earlier.reference in content
    unknown = client.get(url, {"phone": "13900000000"}).content.decode()
    assert "one will be created" in unknown
    typing = client.get(url, {"phone": "139"}).content.decode()
    assert "customer-card" not in typing


def test_an_agent_of_another_team_cannot_open_the_complaint(client, other_agent, team):
    complaint = make_complaint(team=team)
    client.force_login(other_agent)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    response = action(client, complaint, "note", text="snooping")
    assert response.status_code == 404
    assert not complaint.events.filter(kind=EventKind.NOTE).exists()


def test_the_page_offers_only_the_moves_the_state_allows(client, agent, team):
    complaint = make_complaint(team=team)
    client.force_login(agent)
    offered = set(
        client.get(reverse("complaints:detail", args=[complaint.pk])).context["action_forms"]
    )
    assert offered == {"assign", "cancel", "note", "contact", "reclassify"}


def test_an_illegal_action_is_refused_with_a_clear_message(client, agent, team):
    complaint = make_complaint(team=team)
    client.force_login(agent)
    response = action(client, complaint, "confirm", method="phone")
    assert response.status_code == 409
    assert "cannot confirm and close" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == State.NEW


def test_a_stale_form_is_refused_and_overwrites_nothing(client, agent, team):
    complaint = make_complaint(team=team, assignee=agent)
    client.force_login(agent)
    seen = complaint.version
    assert action(client, complaint, "start").status_code == 302
    response = client.post(
        reverse("complaints:action", args=[complaint.pk, "resolve"]),
        {"version": seen, "summary": "old page", "remedy": ""},
    )
    assert response.status_code == 412
    assert "Someone else changed this complaint" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == State.IN_PROGRESS and complaint.resolution_summary == ""


def test_the_whole_life_through_the_pages(client, agent, department_user, team):
    client.force_login(agent)
    client.post(reverse("complaints:new"), INTAKE)
    complaint = Complaint.objects.get()
    assert action(client, complaint, "start").status_code == 302
    billing = department_user.department
    response = action(
        client, complaint, "dispatch", department=billing.pk, instructions="核实多扣的50元并退款"
    )
    assert response.status_code == 302
    work_order = WorkOrder.objects.get()

    client.force_login(department_user)
    listing = client.get(reverse("complaints:work_orders")).content.decode()
    assert complaint.reference in listing
    answer_url = reverse("complaints:work_order", args=[work_order.pk])
    assert client.post(answer_url, {"answer": ""}).status_code == 400
    assert client.post(answer_url, {"answer": "已退款50元"}).status_code == 302

    client.force_login(agent)
    complaint.refresh_from_db()
    assert complaint.state == State.IN_PROGRESS
    assert (
        action(client, complaint, "contact", channel="call", outcome="reached").status_code == 302
    )
    assert (
        action(client, complaint, "resolve", summary="已退款", remedy="退款50元").status_code == 302
    )
    assert action(client, complaint, "confirm", method="phone", note="客户确认").status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.CREATED,
        EventKind.ASSIGNED,
        EventKind.WORK_STARTED,
        EventKind.WORK_ORDER_DISPATCHED,
        EventKind.WORK_ORDER_ANSWERED,
        EventKind.CONTACT,
        EventKind.RESOLUTION_PROPOSED,
        EventKind.CONFIRMED,
    ]
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "已退款50元" in page and "客户确认" in page


def test_department_users_answer_only_their_department(client, department_user, agent, team):
    complaint = make_complaint(team=team, assignee=agent)
    network = Department.objects.create(code="network", name="Network")
    from complaints import services

    services.start_work(complaint, by=agent)
    theirs = services.dispatch_work_order(
        complaint, department=network, instructions="tower", by=agent
    )
    client.force_login(department_user)
    assert client.get(reverse("complaints:work_order", args=[theirs.pk])).status_code == 404
    assert complaint.reference not in client.get(reverse("complaints:work_orders")).content.decode()
    response = client.post(reverse("complaints:work_order", args=[theirs.pk]), {"answer": "x"})
    assert response.status_code == 404


def test_phones_are_masked_in_the_queue_and_shown_in_full_only_to_those_who_need_them(
    client, agent, supervisor, team
):
    from complaints.models import AuditEntry

    mine = make_complaint(team=team, assignee=agent)
    colleague = make_complaint(team=team)
    for user in (agent, supervisor):
        client.force_login(user)
        queue = client.get("/?view=all").content.decode()
        assert "138****" + colleague.customer.phone[-4:] in queue
        assert mine.customer.phone not in queue and colleague.customer.phone not in queue
    assert not AuditEntry.objects.exists()

    client.force_login(agent)
    own_page = client.get(reverse("complaints:detail", args=[mine.pk])).content.decode()
    colleague_page = client.get(reverse("complaints:detail", args=[colleague.pk])).content.decode()
    assert mine.customer.phone in own_page and colleague.customer.phone not in colleague_page
    client.force_login(supervisor)
    assert (
        colleague.customer.phone
        in client.get(reverse("complaints:detail", args=[colleague.pk])).content.decode()
    )
    seen = AuditEntry.objects.order_by("id").values_list("actor", "customer", "object_id", "via")
    assert list(seen) == [
        (agent.pk, mine.customer_id, mine.pk, "page"),
        (supervisor.pk, colleague.customer_id, colleague.pk, "page"),
    ]


def test_attachments_upload_and_download_only_for_those_who_may_see(
    client, agent, other_agent, team, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    complaint = make_complaint(team=team)
    client.force_login(agent)
    url = reverse("complaints:upload_attachment", args=[complaint.pk])
    bad = client.post(url, {"file": SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image")})
    assert bad.status_code == 400
    assert "Only images" in bad.content.decode()
    pdf = SimpleUploadedFile("账单.pdf", b"%PDF-1.4\n" + b"0" * 100)
    assert client.post(url, {"file": pdf}).status_code == 302
    attachment = complaint.attachments.get()
    download = reverse("complaints:download_attachment", args=[complaint.pk, attachment.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(other_agent)
    assert client.get(download).status_code == 404


def test_queue_filters_and_search(client, agent, team):
    urgent = make_complaint(team=team, priority="urgent", description="着火了")
    general = make_complaint(team=team, description="账单问题")
    client.force_login(agent)
    content = client.get("/", {"view": "team", "priority": "urgent"}).content.decode()
    assert urgent.reference in content and general.reference not in content
    by_phone = client.get("/", {"view": "team", "q": general.customer.phone[3:]}).content.decode()
    assert general.reference in by_phone and urgent.reference not in by_phone
    by_reference = client.get("/", {"view": "team", "q": urgent.reference}).content.decode()
    assert urgent.reference in by_reference and general.reference not in by_reference


def test_the_department_page_runs_a_fixed_number_of_queries(
    client, department_user, agent, team, django_assert_max_num_queries
):
    from complaints import services

    def dispatch(count):
        for _ in range(count):
            complaint = make_complaint(team=team, assignee=agent)
            services.start_work(complaint, by=agent)
            services.dispatch_work_order(
                complaint, department=department_user.department, instructions="x", by=agent
            )

    client.force_login(department_user)
    dispatch(2)
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("complaints:work_orders"))
    dispatch(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("complaints:work_orders"))
