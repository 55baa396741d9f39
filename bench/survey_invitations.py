"""Survey invitations: 100,000 closed complaints to invitations queued in the outbox.

The real path, at a million complaints of history (the shared data set):
1. scheduling: ``invite_after_closure``, what the ``complaint_closed`` receiver runs, one
   closure at a time (a sample of them: each closure is its own request, and what it
   costs is a latency, not a throughput);
2. sending: ``send_due_invitations``, what the every-minute task runs batch after batch
   until the backlog is gone, an hour later (the survey delay): it renders each SMS in
   the customer's language with a signed link and queues it in the outbox (quiet hours
   hold it there).
Reported: invitations queued per second and the cost per batch, against a raw
``INSERT … SELECT`` of the same number of outbox rows in the same database (the floor:
no rendering, no signing, no locking). The issue sets no target for this figure.

The closed complaints are those of customers not surveyed within the suppression window
(so every one is eligible), one each; the rest of the sample's invitations are
scheduled set-based as the receiver would have scheduled them.
"""

import datetime as dt
import statistics
import time
from typing import Any

SCALES = {"full": (100_000, 2_000), "small": (1_000, 200)}  # invitations, scheduled one by one


def run(*, scale: str, context: dict[str, Any]) -> dict[str, Any]:
    from django.conf import settings
    from django.utils import timezone

    from complaints.models import Complaint, OutboundMessage
    from complaints.services.messaging import quiet_hours_end
    from surveys.enums import InvitationState
    from surveys.models import SurveyInvitation
    from surveys.services import invite_after_closure, send_due_invitations

    count, one_by_one = SCALES[scale]
    now = timezone.now()
    ids = _eligible(count, now=now)
    if len(ids) < count:
        raise RuntimeError(f"{len(ids)} eligible closed complaints: too few.")
    first_invitation = _next_id(SurveyInvitation)

    timings = []
    for complaint in Complaint.objects.filter(pk__in=ids[:one_by_one]).order_by("pk"):
        started = time.perf_counter()
        invite_after_closure(complaint)  # the receiver's instance: customer not yet loaded
        timings.append(time.perf_counter() - started)
    _schedule_rest(ids[one_by_one:], now=now)

    later = now + dt.timedelta(minutes=settings.SURVEY_DELAY_MINUTES + 1)
    first_message = _next_id(OutboundMessage)
    batches = []
    with _query_count() as queries:
        started = time.perf_counter()
        while True:
            began = time.perf_counter()
            sent = send_due_invitations(now=later)
            if not sent:
                break
            batches.append((sent, time.perf_counter() - began))
        sending = time.perf_counter() - started
    ours = SurveyInvitation.objects.filter(pk__gte=first_invitation, complaint_id__in=ids)
    keys = [f"survey:{pk}" for pk in ours.values_list("pk", flat=True)]
    queued = OutboundMessage.objects.filter(id__gte=first_message, dedupe_key__in=keys)
    queued_count = queued.count()
    held = queued.exclude(not_before=quiet_hours_end(later)).count()
    baseline = _baseline_seconds(first_invitation, count)
    per_second = queued_count / sending if sending else None
    baseline_per_second = count / baseline if baseline else None
    ratio = baseline_per_second / per_second if per_second and baseline_per_second else None
    batch_ms = [seconds * 1000 for _sent, seconds in batches]
    left = ours.filter(state=InvitationState.SCHEDULED).count()
    return {
        "name": "survey_invitations",
        "closed_complaints": count,
        "scheduled_one_by_one": len(timings),
        "schedule_ms_per_closure": round(statistics.mean(timings) * 1000, 2),
        "schedule_p95_ms": round(sorted(timings)[int(len(timings) * 0.95)] * 1000, 2),
        "invitations_queued": queued_count,
        "not_at_quiet_hours_end": held,
        "scheduled_left": left,
        "send_seconds": round(sending, 2),
        "queued_per_second": round(per_second, 1) if per_second else None,
        "batches": len(batches),
        "batch_size": batches[0][0] if batches else 0,
        "batch_ms_mean": round(statistics.mean(batch_ms), 1) if batch_ms else None,
        "batch_ms_max": round(max(batch_ms), 1) if batch_ms else None,
        "queries_per_batch": round(queries["count"] / max(len(batches), 1), 1),
        "baseline_insert_seconds": round(baseline, 3),
        "baseline_per_second": round(baseline_per_second, 1) if baseline_per_second else None,
        "ratio": round(ratio, 1) if ratio else None,
        "target": "none set (issue 12 asks for the figure)",
        "met": queued_count == count and held == 0 and left == 0,
        "table": [
            {
                "figure": "invitations queued / s",
                "value": round(per_second, 1) if per_second else None,
                "baseline": round(baseline_per_second, 1) if baseline_per_second else None,
                "ratio": round(ratio, 1) if ratio else None,
                "target": "report (all queued)",
                "met": queued_count == count and held == 0 and left == 0,
            },
            {
                "figure": "ms per batch / per closure",
                "value": f"{round(statistics.mean(batch_ms), 1) if batch_ms else None} / "
                f"{round(statistics.mean(timings) * 1000, 2)}",
            },
        ],
    }


def _eligible(count: int, *, now: dt.datetime) -> list[int]:
    """Closed complaints of customers with no invitation in the window, one per customer."""
    from django.conf import settings
    from django.db import connection

    since = now - dt.timedelta(days=settings.SURVEY_SUPPRESSION_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM ("
            " SELECT DISTINCT ON (c.customer_id) c.id, c.customer_id FROM complaints_complaint c"
            " WHERE c.state = 'closed' AND NOT EXISTS ("
            "  SELECT 1 FROM surveys_surveyinvitation i WHERE i.customer_id = c.customer_id"
            "  AND i.created_at >= %s AND i.state <> 'suppressed')"
            " ORDER BY c.customer_id, c.confirmed_at DESC) AS latest "
            "ORDER BY customer_id LIMIT %s",
            [since, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _schedule_rest(ids: list[int], *, now: dt.datetime) -> None:
    """The invitations ``invite_after_closure`` would schedule for ``ids``, in one statement.

    Every customer here is eligible (``_eligible``), so each is scheduled, by SMS, in the
    customer's language, for the rated agent, an hour from now.
    """
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO surveys_surveyinvitation (complaint_id, topic, customer_id, "
            "questionnaire_id, channel, state, nonce, rated_agent_id, send_after, created_at) "
            "SELECT c.id, '', c.customer_id, q.id, 'sms', 'scheduled', "
            "replace(gen_random_uuid()::text, '-', ''), c.assignee_id, %s, %s "
            "FROM complaints_complaint c JOIN complaints_customer cu ON cu.id = c.customer_id "
            "JOIN surveys_questionnaire q ON q.is_default AND q.is_active "
            "AND q.language = cu.language WHERE c.id = ANY(%s) ORDER BY c.id",
            [now + dt.timedelta(minutes=settings.SURVEY_DELAY_MINUTES), now, ids],
        )


def _baseline_seconds(first_invitation: int, count: int) -> float:
    """A raw INSERT … SELECT of as many outbox rows, rolled back: the floor."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO complaints_outboundmessage (channel, recipient, subject, body, state, "
            "not_before, attempts, last_error, dedupe_key, complaint_id, created_at) "
            "SELECT 'sms', cu.phone, '', 'Survey ' || i.nonce, 'pending', now(), 0, '', "
            "'baseline:' || i.id, i.complaint_id, now() FROM surveys_surveyinvitation i "
            "JOIN complaints_customer cu ON cu.id = i.customer_id WHERE i.id >= %s LIMIT %s",
            [first_invitation, count],
        )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1


class _query_count:
    """Count the queries sent on Django's connection inside the block."""

    def __enter__(self) -> dict[str, int]:
        from django.db import connection

        self.counts = {"count": 0}

        def wrapper(execute, sql, params, many, context):
            self.counts["count"] += 1
            return execute(sql, params, many, context)

        self._wrapper = connection.execute_wrapper(wrapper)
        self._wrapper.__enter__()
        return self.counts

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)
