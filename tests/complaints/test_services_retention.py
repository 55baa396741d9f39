"""Retention: old attachments deleted, customers out of touch anonymised, statistics kept."""

import datetime as dt
import time
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Avg, Count

from complaints import services
from complaints.models import (
    Attachment,
    AuditAction,
    AuditEntry,
    Complaint,
    ComplaintDailyRollup,
    Customer,
)
from complaints.reports.rollups import rebuild
from complaints.services import retention
from complaints.services.retention import apply_retention
from repair.enums import CallbackState
from repair.models import CallbackRequest
from repair.services.callbacks import book_callback
from repair.services.cases import open_repair_case
from surveys import services as survey_services
from surveys.models import SurveyResponse
from tests.config.test_settings import run_django
from tests.factories import CustomerFactory, make_complaint
from tests.surveys.test_services_surveys import answers_for

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)
DAYS = dt.timedelta(days=1)
PDF = b"%PDF-1.4\n" + b"0" * 50


@pytest.fixture(autouse=True)
def periods(settings, tmp_path):
    """The documented defaults, spelled out, and attachments kept in a scratch MEDIA_ROOT."""
    settings.RETENTION_CUSTOMER_DAYS = 1095
    settings.RETENTION_ATTACHMENT_DAYS = 365
    settings.RETENTION_BATCH_SIZE = 200
    settings.MEDIA_ROOT = tmp_path
    return settings


@pytest.fixture
def history(agent, django_capture_on_commit_callbacks):
    """``history(at=...)``: a customer whose one complaint was closed at ``at``."""

    def make(*, at: dt.datetime, attachment: bool = True, score: int | None = None) -> Complaint:
        with time_machine.travel(at, tick=False):
            customer = CustomerFactory()
            return closed_complaint(
                customer,
                agent,
                at=at,
                attachment=attachment,
                score=score,
                capture=django_capture_on_commit_callbacks,
            )

    return make


def closed_complaint(customer, agent, *, at, attachment=True, score=None, capture):
    """A complaint received, worked and confirmed at ``at``, with a survey answer two hours
    later when ``score`` is given."""
    with time_machine.travel(at, tick=False):
        complaint = make_complaint(customer=customer, assignee=agent, team=agent.team)
        if attachment:
            services.add_attachment(
                complaint, upload=SimpleUploadedFile("photo.pdf", PDF), by=agent
            )
        services.start_work(complaint, by=agent)
        services.propose_resolution(complaint, summary="Replaced the modem", by=agent)
        with capture(execute=True):
            services.confirm_resolution(complaint, method="phone", by=agent)
    if score is not None:
        later = at + dt.timedelta(hours=2)
        with time_machine.travel(later, tick=False):
            survey_services.send_due_invitations(now=later)
            invitation = complaint.surveys.get()
            with capture(execute=True):
                survey_services.record_response(
                    invitation,
                    answers=answers_for(invitation, score=score, level=str(score)),
                    via="web",
                )
    return complaint


def run(**options) -> retention.RetentionResult:
    with time_machine.travel(NOW, tick=False):
        return apply_retention(**options)


def anonymised(complaint: Complaint) -> bool:
    return Customer.objects.get(pk=complaint.customer_id).anonymised_at is not None


def test_a_customer_just_past_the_period_is_anonymised_and_one_just_inside_is_not(history):
    past = history(at=NOW - 1095 * DAYS - dt.timedelta(minutes=1), attachment=False)
    inside = history(at=NOW - 1095 * DAYS + dt.timedelta(minutes=1), attachment=False)

    result = run()

    assert (result.customers, result.attachments) == (1, 0)
    assert anonymised(past)
    assert not anonymised(inside)
    customer = Customer.objects.get(pk=past.customer_id)
    assert customer.name == f"Anonymised {customer.pk}"
    assert customer.phone is None
    assert Complaint.objects.get(pk=past.pk).description == ""
    entry = AuditEntry.objects.get(action=AuditAction.ANONYMISED_CUSTOMER)
    assert entry.customer_id == past.customer_id
    assert entry.actor is None  # the system
    assert entry.via == "command"
    assert entry.detail["reason"].startswith("retention: no contact since 2023-12-02")


def test_open_work_or_recent_contact_in_any_app_protects_a_customer(
    history, agent, django_capture_on_commit_callbacks
):
    # A survey answered within the period, about a complaint closed before it: closed an
    # hour before the cutoff, surveyed and answered two hours later. (First, so that the
    # survey sender does not also send the invitations of the complaints below.)
    surveyed = history(at=NOW - 1095 * DAYS - dt.timedelta(hours=1), attachment=False, score=4)
    long_ago = NOW - 2000 * DAYS
    control = history(at=long_ago, attachment=False)
    # An open complaint, untouched for years, is still open work.
    open_complaint = history(at=long_ago, attachment=False)
    with time_machine.travel(long_ago, tick=False):
        make_complaint(customer=open_complaint.customer, assignee=agent, team=agent.team)
    # An open booking for their number (anonymising would cancel a call still owed).
    open_callback = history(at=long_ago, attachment=False)
    with time_machine.travel(long_ago, tick=False):
        book_callback(phone=open_callback.customer.phone, source="agent", by=agent)
    # ...also when the booking knows them only by that number.
    open_by_number = history(at=long_ago, attachment=False)
    with time_machine.travel(long_ago, tick=False):
        booking, _created = book_callback(phone=open_by_number.customer.phone, source="ivr")
    CallbackRequest.objects.filter(pk=booking.pk).update(customer=None)
    # An open repair case.
    open_case = history(at=long_ago, attachment=False)
    with time_machine.travel(long_ago, tick=False):
        open_repair_case(customer=open_case.customer, damage_type="complaint", reason="x")
    # A callback handled last month: recent contact, though through another app.
    called = history(at=long_ago, attachment=False)
    with time_machine.travel(NOW - 30 * DAYS, tick=False):
        booking, _created = book_callback(phone=called.customer.phone, source="ivr")
    CallbackRequest.objects.filter(pk=booking.pk).update(
        state=CallbackState.COMPLETED, completed_at=NOW - 30 * DAYS
    )

    result = run()

    assert result.customers == 1
    assert anonymised(control)
    for protected in (open_complaint, open_callback, open_by_number, open_case, called, surveyed):
        assert not anonymised(protected)


def test_attachments_of_complaints_ended_past_the_period_are_deleted_from_disk(
    history, agent, periods
):
    closed_long_ago = history(at=NOW - 366 * DAYS)
    closed_recently = history(at=NOW - 364 * DAYS)
    with time_machine.travel(NOW - 800 * DAYS, tick=False):
        still_open = make_complaint(assignee=agent, team=agent.team)
        services.add_attachment(still_open, upload=SimpleUploadedFile("a.pdf", PDF), by=agent)
    with time_machine.travel(NOW - 400 * DAYS, tick=False):
        cancelled = make_complaint(assignee=agent, team=agent.team)
        services.add_attachment(cancelled, upload=SimpleUploadedFile("b.pdf", PDF), by=agent)
        services.cancel(cancelled, reason="invalid", note="test call", by=agent)
    files = {
        attachment.complaint_id: Path(attachment.file.path)
        for attachment in Attachment.objects.all()
    }
    for path in files.values():
        assert path.is_file()
        assert path.is_relative_to(periods.MEDIA_ROOT)

    result = run()

    assert (result.attachments, result.customers) == (2, 0)
    assert set(Attachment.objects.values_list("complaint_id", flat=True)) == {
        closed_recently.pk,
        still_open.pk,
    }
    for complaint in (closed_long_ago, cancelled):
        assert not files[complaint.pk].exists()
    for complaint in (closed_recently, still_open):
        assert files[complaint.pk].is_file()
    assert Complaint.objects.count() == 4  # the complaints themselves stay


def test_a_dry_run_counts_and_changes_nothing(history):
    history(at=NOW - 1200 * DAYS)
    history(at=NOW - 1200 * DAYS, attachment=False)
    history(at=NOW - 500 * DAYS)
    history(at=NOW - 10 * DAYS)
    attachment_files = {a.file.path for a in Attachment.objects.all()}
    before = (
        list(Customer.objects.order_by("pk").values()),
        list(Complaint.objects.order_by("pk").values()),
        list(Attachment.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )

    dry = run(dry_run=True)

    assert (dry.customers, dry.attachments, dry.dry_run) == (2, 2, True)
    after = (
        list(Customer.objects.order_by("pk").values()),
        list(Complaint.objects.order_by("pk").values()),
        list(Attachment.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )
    assert after == before
    assert all(Path(path).is_file() for path in attachment_files)
    # ...and says what a real run then does.
    real = run()
    assert (real.customers, real.attachments) == (dry.customers, dry.attachments)


def test_customers_go_in_batches_and_a_rerun_does_nothing(history, monkeypatch):
    old = [history(at=NOW - (1100 + n) * DAYS, attachment=False) for n in range(5)]
    batches = []
    real_anonymise = retention.anonymise_customers

    def spy(ids, **options):
        batches.append(len(ids))
        return real_anonymise(ids, **options)

    monkeypatch.setattr(retention, "anonymise_customers", spy)

    assert run(batch_size=2).customers == 5
    assert batches == [2, 2, 1]  # three transactions, none holding all five
    assert all(anonymised(complaint) for complaint in old)
    entries = AuditEntry.objects.filter(action=AuditAction.ANONYMISED_CUSTOMER).count()
    assert entries == 5

    again = run(batch_size=2)
    assert (again.customers, again.attachments) == (0, 0)
    assert batches == [2, 2, 1]
    assert AuditEntry.objects.filter(action=AuditAction.ANONYMISED_CUSTOMER).count() == entries


def test_statistics_are_the_same_before_and_after(history):
    for n, score in enumerate([5, 4, 3, 5, 4]):
        history(at=NOW - (1100 + 30 * n) * DAYS, score=score)
    for n, score in enumerate([3, 4]):
        history(at=NOW - (100 + n) * DAYS, score=score)

    def statistics() -> dict:
        with time_machine.travel(NOW, tick=False):
            rebuild()
        return {
            "per_category": list(
                Complaint.objects.values("category__code", "priority", "state")
                .annotate(n=Count("id"))
                .order_by("category__code", "priority", "state")
            ),
            "breaches": Complaint.objects.filter(resolution_breached_at__isnull=False).count(),
            "survey": SurveyResponse.objects.aggregate(n=Count("id"), average=Avg("score")),
            "rollups": list(
                ComplaintDailyRollup.objects.order_by("day", "id").values(
                    "day", "received", "repeats"
                )
            ),
        }

    before = statistics()
    result = run()
    assert (result.customers, result.attachments) == (5, 5)
    assert statistics() == before
    assert before["survey"]["n"] == 7
    assert before["rollups"]


def test_a_period_of_zero_keeps_for_ever(history, settings):
    history(at=NOW - 4000 * DAYS)
    settings.RETENTION_CUSTOMER_DAYS = 0
    settings.RETENTION_ATTACHMENT_DAYS = 0

    assert run() == retention.RetentionResult(customers=None, attachments=None)
    assert run(dry_run=True).customers is None
    assert Attachment.objects.count() == 1
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()


def test_a_time_budget_stops_between_batches_with_more_left(history):
    for n in range(3):
        history(at=NOW - (1100 + n) * DAYS, attachment=False)

    first = run(batch_size=2, time_budget=0)  # spent at once: one batch, then stop

    assert (first.customers, first.more) == (2, True)
    rest = run(batch_size=2, time_budget=0)
    assert (rest.customers, rest.more) == (1, True)
    assert run(batch_size=2, time_budget=0) == retention.RetentionResult(customers=0, attachments=0)


def test_a_budget_spent_on_attachments_leaves_customers_to_the_next_run(history):
    for n in range(3):
        history(at=NOW - (1100 + n) * DAYS)

    first = run(batch_size=2, time_budget=0)

    assert (first.attachments, first.customers, first.more) == (2, 0, True)
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()
    finished = run(batch_size=2)
    assert (finished.attachments, finished.customers, finished.more) == (1, 3, False)


def test_the_periods_default_to_three_years_and_one_year_and_refuse_negatives():
    profile = {"DJANGO_SETTINGS_MODULE": "config.settings.development"}
    shown = run_django(
        "from django.conf import settings as s; "
        "print(s.RETENTION_CUSTOMER_DAYS, s.RETENTION_ATTACHMENT_DAYS, s.RETENTION_BATCH_SIZE)",
        **profile,
    )
    assert shown.stdout.split() == ["1095", "365", "200"]
    refused = run_django("", RETENTION_CUSTOMER_DAYS="-1", **profile)
    assert refused.returncode != 0
    assert "RETENTION_CUSTOMER_DAYS=-1 must be at least 0" in refused.stderr


@pytest.mark.django_db(transaction=True)
def test_a_customer_whose_row_is_locked_at_work_is_skipped_not_waited_for(
    reference_data, agent, django_capture_on_commit_callbacks
):
    """Intake holds the customer's row while it registers a complaint: retention skips them
    (``SKIP LOCKED``) rather than anonymise under the agent's hands or wait for the agent."""
    customers = []
    for n in range(3):
        with time_machine.travel(NOW - (1100 + n) * DAYS, tick=False):
            customer = CustomerFactory()
        closed_complaint(
            customer,
            agent,
            at=NOW - (1100 + n) * DAYS,
            attachment=False,
            capture=django_capture_on_commit_callbacks,  # commits run them: nothing to capture
        )
        customers.append(customer)
    busy = customers[1]
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cursor:  # psycopg2 opens a transaction: the lock stays held
            cursor.execute("SELECT id FROM complaints_customer WHERE id = %s FOR UPDATE", [busy.pk])
        started = time.monotonic()
        assert run(batch_size=2).customers == 2
        assert time.monotonic() - started < 10  # did not wait for the lock
        assert not anonymised_customer(busy)
    finally:
        other.close()
    assert run().customers == 1
    assert anonymised_customer(busy)


def anonymised_customer(customer: Customer) -> bool:
    return Customer.objects.get(pk=customer.pk).anonymised_at is not None
