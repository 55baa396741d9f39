"""Every legal and every illegal move of the transition table, through the real services."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services, signals
from complaints.enums import (
    CancelReason,
    ConfirmationMethod,
    ContactChannel,
    ContactOutcome,
    EventKind,
    State,
    WorkOrderState,
)
from complaints.errors import ApplicationError, TransitionError
from complaints.lifecycle import TRANSITIONS, Move, allowed_moves
from complaints.models import Attachment, Complaint, Customer, Department
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing(db):
    return Department.objects.get_or_create(code="billing", defaults={"name": "Billing"})[0]


def bring_to(state: State, *, agent, department) -> Complaint:
    """A complaint in ``state``, reached only through services."""
    if state == State.NEW:
        return make_complaint(created_by=agent)
    if state == State.CANCELLED:
        return services.cancel(
            make_complaint(created_by=agent), reason="invalid", note="test call", by=agent
        )
    complaint = make_complaint(created_by=agent, assignee=agent)
    if state == State.ASSIGNED:
        return complaint
    complaint = services.start_work(complaint, by=agent)
    if state == State.IN_PROGRESS:
        return complaint
    if state == State.WAITING_CUSTOMER:
        return services.wait_on_customer(complaint, by=agent)
    if state == State.WAITING_DEPARTMENT:
        services.dispatch_work_order(
            complaint, department=department, instructions="Check the bill", by=agent
        )
        return Complaint.objects.get(pk=complaint.pk)
    complaint = services.propose_resolution(complaint, summary="Refunded 50 CNY", by=agent)
    if state == State.RESOLVED:
        return complaint
    complaint = services.confirm_resolution(complaint, method="phone", by=agent)
    if state == State.CLOSED:
        return complaint
    return services.reopen(complaint, reason="Still charged", by=agent)  # REOPENED


def do(move: Move, complaint: Complaint, *, agent, department):
    match move:
        case Move.ASSIGN:
            return services.assign(complaint, to_user=agent, by=agent)
        case Move.START:
            return services.start_work(complaint, by=agent)
        case Move.DISPATCH:
            return services.dispatch_work_order(
                complaint, department=department, instructions="Please check", by=agent
            )
        case Move.WAIT_ON_CUSTOMER:
            return services.wait_on_customer(complaint, by=agent)
        case Move.RESUME:
            return services.resume(complaint, by=agent)
        case Move.RESOLVE:
            return services.propose_resolution(complaint, summary="Explained the charge", by=agent)
        case Move.CONFIRM:
            return services.confirm_resolution(complaint, method="phone", by=agent)
        case Move.REOPEN:
            return services.reopen(complaint, reason="Customer unhappy", by=agent)
        case Move.CANCEL:
            return services.cancel(complaint, reason="invalid", note="Prank call", by=agent)
    raise AssertionError(move)


PUBLIC_MOVES = [move for move in Move if move != Move.DEPARTMENTS_ANSWERED]
CASES = [(move, state) for move in PUBLIC_MOVES for state in State]


@pytest.mark.parametrize(("move", "state"), CASES, ids=[f"{m}-from-{s}" for m, s in CASES])
def test_every_move_from_every_state(move, state, agent, billing):
    complaint = bring_to(state, agent=agent, department=billing)
    assert complaint.state == state
    events_before = complaint.events.count()
    version_before = complaint.version
    legal = state in TRANSITIONS[move]
    if move == Move.RESOLVE and state == State.WAITING_DEPARTMENT:
        legal = False
    if legal:
        do(move, complaint, agent=agent, department=billing)
        complaint.refresh_from_db()
        assert complaint.state == TRANSITIONS[move][state]
        assert complaint.events.count() > events_before
        assert complaint.version > version_before
    else:
        with pytest.raises(TransitionError) as error:
            do(move, complaint, agent=agent, department=billing)
        assert error.value.status == 409
        assert error.value.code == "illegal_transition"
        complaint.refresh_from_db()
        assert complaint.state == state
        assert complaint.events.count() == events_before
        assert complaint.version == version_before
        assert complaint.work_orders.filter(instructions="Please check").count() == 0


def test_allowed_moves_follow_the_table():
    assert allowed_moves(State.NEW) == {Move.ASSIGN, Move.CANCEL}
    assert allowed_moves(State.CLOSED) == {Move.REOPEN}
    assert allowed_moves(State.CANCELLED) == frozenset()


def test_illegal_move_message_is_clear_in_chinese(agent):
    from django.utils import translation

    complaint = make_complaint(created_by=agent)
    with translation.override("zh-hans"), pytest.raises(TransitionError) as error:
        services.confirm_resolution(complaint, method="phone", by=agent)
    assert "新建" in error.value.message or "无法" in error.value.message


def test_answering_the_last_work_order_puts_the_complaint_back_in_progress(agent, billing):
    complaint = bring_to(State.IN_PROGRESS, agent=agent, department=billing)
    network = Department.objects.create(code="network", name="Network")
    first = services.dispatch_work_order(complaint, department=billing, instructions="a", by=agent)
    second = services.dispatch_work_order(complaint, department=network, instructions="b", by=agent)
    services.answer_work_order(first, answer="Refund issued", by=agent)
    complaint.refresh_from_db()
    assert complaint.state == State.WAITING_DEPARTMENT
    with pytest.raises(ApplicationError) as error:
        services.propose_resolution(complaint, summary="done", by=agent)
    assert error.value.code == "illegal_transition"
    services.answer_work_order(second, answer="Cell tower fixed", by=agent)
    complaint.refresh_from_db()
    assert complaint.state == State.IN_PROGRESS
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.WORK_ORDER_ANSWERED) == 2
    with pytest.raises(ApplicationError) as error:
        services.answer_work_order(first, answer="again", by=agent)
    assert error.value.code == "work_order_closed"


def test_resolving_with_an_open_work_order_is_refused(agent, billing):
    complaint = bring_to(State.WAITING_DEPARTMENT, agent=agent, department=billing)
    complaint = services.resume(complaint, by=agent)
    with pytest.raises(ApplicationError) as error:
        services.propose_resolution(complaint, summary="done", by=agent)
    assert error.value.code == "open_work_orders"
    work_order = complaint.work_orders.get()
    services.cancel_work_order(work_order, reason="Not needed", by=agent)
    assert complaint.work_orders.get().state == WorkOrderState.CANCELLED
    resolved = services.propose_resolution(complaint, summary="done", by=agent)
    assert resolved.state == State.RESOLVED


def test_required_texts_are_refused_per_field(agent, billing):
    complaint = bring_to(State.IN_PROGRESS, agent=agent, department=billing)
    cases = [
        (lambda: services.propose_resolution(complaint, summary="  ", by=agent), "summary"),
        (lambda: services.add_note(complaint, text="", by=agent), "text"),
        (
            lambda: services.dispatch_work_order(
                complaint, department=billing, instructions="", by=agent
            ),
            "instructions",
        ),
    ]
    for call, field in cases:
        with pytest.raises(ApplicationError) as error:
            call()
        assert field in error.value.details


def test_closing_announces_after_commit(agent, billing, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, complaint, **kwargs):
        received.append(complaint.state)

    signals.complaint_closed.connect(receiver)
    try:
        complaint = bring_to(State.RESOLVED, agent=agent, department=billing)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.confirm_resolution(complaint, method="sms", by=agent)
        assert received == []
        for callback in callbacks:
            callback()
        assert received == [State.CLOSED]
    finally:
        signals.complaint_closed.disconnect(receiver)


def test_the_no_answer_rule_needs_its_attempts_over_its_days(agent, billing):
    def attempt_then_try_closing():
        services.log_contact(complaint, channel="call", outcome="no_answer", by=agent)
        return services.confirm_resolution(complaint, method="no_answer_rule", by=agent)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        complaint = bring_to(State.RESOLVED, agent=agent, department=billing)
        services.log_contact(complaint, channel="call", outcome="reached", by=agent)
        for shift in (timedelta(0), timedelta(days=1), timedelta(hours=6)):
            clock.shift(shift)
            with pytest.raises(ApplicationError) as error:
                attempt_then_try_closing()  # too few attempts, or too short a span
            assert error.value.code == "rule_not_met"
        clock.shift(timedelta(days=2))
        closed = attempt_then_try_closing()
    assert closed.state == State.CLOSED
    assert closed.confirmation_method == ConfirmationMethod.NO_ANSWER_RULE


def test_reopen_only_within_the_window_and_counts(agent, billing):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        complaint = bring_to(State.CLOSED, agent=agent, department=billing)
        reopened = services.reopen(complaint, reason="Charged again", by=agent)
        assert reopened.reopen_count == 1
        assert reopened.confirmed_at is None
        reopened = services.start_work(reopened, by=agent)
        reopened = services.propose_resolution(reopened, summary="Refund 2", by=agent)
        closed = services.confirm_resolution(reopened, method="phone", by=agent)
        clock.shift(timedelta(days=31))
        with pytest.raises(ApplicationError) as error:
            services.reopen(closed, reason="Again", by=agent)
    assert error.value.code == "reopen_window_passed"
    with pytest.raises(ApplicationError):
        services.reopen(closed, reason="", by=agent)


def test_cancel_as_duplicate_links_the_original(agent):
    original = make_complaint(created_by=agent)
    duplicate = make_complaint(created_by=agent, customer=original.customer)
    with pytest.raises(ApplicationError) as error:
        services.cancel(duplicate, reason=CancelReason.DUPLICATE, by=agent)
    assert "duplicate_of" in error.value.details
    with pytest.raises(ApplicationError):
        services.cancel(duplicate, reason="duplicate", duplicate_of=duplicate, by=agent)
    with pytest.raises(ApplicationError) as error:
        services.cancel(duplicate, reason="invalid", by=agent)
    assert "note" in error.value.details
    cancelled = services.cancel(duplicate, reason="duplicate", duplicate_of=original, by=agent)
    assert cancelled.state == State.CANCELLED
    assert cancelled.duplicate_of == original


def test_a_stale_version_is_refused_and_overwrites_nothing(agent, billing):
    complaint = bring_to(State.IN_PROGRESS, agent=agent, department=billing)
    seen_version = complaint.version
    services.wait_on_customer(complaint, by=agent, expected_version=seen_version)
    with pytest.raises(ApplicationError) as error:
        services.propose_resolution(
            complaint, summary="mine", by=agent, expected_version=seen_version
        )
    assert error.value.status == 412
    complaint.refresh_from_db()
    assert complaint.state == State.WAITING_CUSTOMER
    assert complaint.resolution_summary == ""


def test_contacts_are_logged_with_channel_and_outcome(agent, billing):
    complaint = bring_to(State.IN_PROGRESS, agent=agent, department=billing)
    event = services.log_contact(
        complaint,
        channel=ContactChannel.SMS,
        outcome=ContactOutcome.SENT,
        note="已发送短信",
        by=agent,
    )
    assert event.kind == EventKind.CONTACT
    assert event.after == {"channel": "sms", "outcome": "sent"}
    with pytest.raises(ValueError):
        services.log_contact(complaint, channel="pigeon", outcome="sent", by=agent)


def test_repeat_complaints_are_linked_within_the_window(agent):
    from complaints.models import Category

    billing_category = Category.objects.get(code="billing_dispute")
    network = Category.objects.get(code="network_signal")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = make_complaint(created_by=agent, category=billing_category)
        customer = first.customer
        clock.shift(timedelta(days=10))
        other_category = make_complaint(created_by=agent, customer=customer, category=network)
        repeat = make_complaint(created_by=agent, customer=customer, category=billing_category)
        clock.shift(timedelta(days=31))
        too_late = make_complaint(created_by=agent, customer=customer, category=network)
    assert other_category.repeat_of is None
    assert repeat.repeat_of == first
    assert too_late.repeat_of is None


def test_intake_is_all_or_nothing(agent):
    with pytest.raises(ApplicationError) as error:
        services.intake_complaint(
            phone="13800001111",
            customer_name="张三",
            channel="no-such-channel",
            description="网络很差",
            created_by=agent,
        )
    assert "channel" in error.value.details
    assert not Customer.objects.filter(phone="+8613800001111").exists()
    complaint = services.intake_complaint(
        phone="138 0000 1111", customer_name="张三", channel="phone", description="网络很差"
    )
    assert complaint.customer.phone == "+8613800001111"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.mark.parametrize(("content", "expected"), [(PNG, "image/png"), (PDF, "application/pdf")])
def test_attachments_are_typed_by_their_content(agent, content, expected, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    complaint = make_complaint(created_by=agent)
    upload = SimpleUploadedFile("evidence.exe", content, content_type="application/x-msdownload")
    attachment = services.add_attachment(complaint, upload=upload, by=agent)
    assert attachment.content_type == expected
    assert attachment.original_name == "evidence.exe"
    assert not attachment.file.name.endswith(".exe")
    assert complaint.events.filter(kind=EventKind.ATTACHMENT_ADDED).exists()


def test_attachments_refuse_other_content_and_oversize(agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 100
    complaint = make_complaint(created_by=agent)
    script = SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ApplicationError) as error:
        services.add_attachment(complaint, upload=script, by=agent)
    assert error.value.code == "unsupported_type"
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 200)
    with pytest.raises(ApplicationError) as error:
        services.add_attachment(complaint, upload=big, by=agent)
    assert error.value.status == 413
    assert Attachment.objects.count() == 0
    assert not any(tmp_path.rglob("*.*"))


def test_editing_the_record_keeps_the_old_values_on_the_timeline(agent):
    complaint = make_complaint(created_by=agent, description="网速慢")
    updated = services.update_complaint(
        complaint, changes={"description": "网速很慢，晚上断线", "emotion": "angry"}, by=agent
    )
    assert updated.description == "网速很慢，晚上断线"
    event = updated.events.get(kind=EventKind.UPDATED)
    assert event.before == {"description": "网速慢", "emotion": "calm"}
    with pytest.raises(ApplicationError) as error:
        services.update_complaint(complaint, changes={"state": "closed"}, by=agent)
    assert "state" in error.value.details
    with pytest.raises(ApplicationError) as error:
        services.update_complaint(complaint, changes={"emotion": "furious"}, by=agent)
    assert "emotion" in error.value.details


def test_overlong_texts_are_refused_per_field_not_by_the_database(agent, billing):
    complaint = bring_to(State.IN_PROGRESS, agent=agent, department=billing)
    with pytest.raises(ApplicationError) as error:
        services.propose_resolution(complaint, summary="ok", remedy="x" * 201, by=agent)
    assert "remedy" in error.value.details
    resolved = services.propose_resolution(complaint, summary="ok", remedy="退款", by=agent)
    with pytest.raises(ApplicationError) as error:
        services.confirm_resolution(resolved, method="phone", note="x" * 501, by=agent)
    assert "note" in error.value.details


def test_an_account_number_of_another_customer_is_refused(agent):
    services.get_or_create_customer(phone="13800000001", account_number="A-1")
    with pytest.raises(ApplicationError) as error:
        services.get_or_create_customer(phone="13800000002", account_number="A-1")
    assert "account_number" in error.value.details
