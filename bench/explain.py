"""EXPLAIN ANALYZE of the hot queries on the benchmark data set: ``python -m bench.explain``.

Prints the plans docs/performance.md quotes, as the product sends them (captured from
the selectors and services themselves, not written by hand): the agent's queue (its page
and the tabs' counts), the complaints list (an agent's scope, everything, a page 1,000
rows deep), repeat detection at intake, the deadline check's UPDATE and the invitation
task's locking read. Statements that write run in a transaction that is rolled back.
Run ``make bench`` (or ``python -m bench --only queue_list``) first: it makes the data set.
"""

import argparse
import datetime as dt
import sys

from bench.setup import setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("small", "full"), default="full")
    parser.add_argument("--only", nargs="*", help="names of the plans to print")
    args = parser.parse_args()
    setup_django(migrate=False, scale=args.scale)
    for name, sql, lines in [*_statements(), _invitations_backlog()]:
        if args.only and name not in args.only:
            continue
        print(f"--- {name}\n{sql}\n")
        for line in lines or _explain(sql):
            print(line)
        print()
    return 0


def _statements() -> list[tuple[str, str]]:
    """(name, SQL) of each hot statement, captured while the product runs it."""
    from django.utils import timezone

    from complaints import selectors
    from complaints.models import Complaint, User

    agent = User.objects.get(username="bench-agent-1-01")
    crm = User.objects.get(username="bench-crm")
    statements = [
        ("queue page", _first(lambda: list(selectors.complaint_queue(agent, view="team")[:50]))),
        ("queue counts", _first(lambda: selectors.open_complaint_counts(agent))),
        ("list (agent)", _first(lambda: list(_page(selectors.complaint_list(agent))))),
        ("list (all)", _first(lambda: list(_page(selectors.complaint_list(crm))))),
    ]
    statements = [(name, sql, None) for name, sql in statements]
    deep = Complaint.objects.order_by("-received_at", "-id").values_list("received_at", flat=True)
    cursor = deep[1000]
    statements.append(
        (
            "list (all, 1,000 rows deep)",
            _first(
                lambda: list(_page(selectors.complaint_list(crm).filter(received_at__lt=cursor)))
            ),
            None,
        )
    )
    repeater = (
        Complaint.objects.filter(repeat_of__isnull=False)
        .order_by("-received_at")
        .values("customer_id", "category_id", "received_at")
        .first()
    )
    statements.append(
        (
            "repeat detection",
            _first(
                lambda: selectors.find_repeat_of(
                    customer_id=repeater["customer_id"],
                    category_id=repeater["category_id"],
                    at=repeater["received_at"],
                )
            ),
            None,
        )
    )
    soon = timezone.now() + dt.timedelta(minutes=10)
    statements.append(("deadline check UPDATE", _first(lambda: _deadline_check(soon)), None))
    return statements


def _invitations_backlog() -> tuple[str, str, list[str]]:
    """The invitation task's locking read with 10,000 invitations due (then rolled back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench import survey_invitations
    from surveys.services import send_due_invitations

    now = timezone.now()
    with transaction.atomic():
        survey_invitations._schedule_rest(survey_invitations._eligible(10_000, now=now), now=now)
        with CaptureQueriesContext(connection) as captured:
            send_due_invitations(now=now + dt.timedelta(hours=2))
        sql = next(q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return "invitations due (10,000 waiting)", sql, lines


def _page(queryset):
    """The first page as the API's cursor pagination reads it (51 rows: one tells "more")."""
    return queryset.order_by("-received_at", "-id")[:51]


def _first(action, table: str = "complaints_complaint") -> str:
    """The first statement on ``table`` that ``action`` sends (run, then rolled back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        action()
        transaction.set_rollback(True)
    return next(
        query["sql"]
        for query in captured.captured_queries
        if f'"{table}"' in query["sql"] or f" {table} " in query["sql"]
    )


def _deadline_check(now: dt.datetime) -> None:
    from complaints.services.sla import _checks, _mark_batch

    check = next(check for check in _checks() if check.name == "resolution_breach")
    _mark_batch(check, now)


def _explain(sql: str) -> list[str]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return lines


if __name__ == "__main__":
    sys.exit(main())
