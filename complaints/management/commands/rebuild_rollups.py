"""``manage.py rebuild_rollups [--since DATE]``: recompute the report roll-ups from the raw rows."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from complaints.reports.rollups import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the daily report roll-ups from the raw rows, from DATE (centre-local, "
        "YYYY-MM-DD) or from the first row, up to today. Safe while the product runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="first day to recompute (YYYY-MM-DD)")

    def handle(self, *args, since: str | None = None, **options) -> None:
        try:
            first = dt.date.fromisoformat(since) if since else None
        except ValueError:
            raise CommandError(f"--since must be a date like 2026-11-01, not {since!r}.") from None
        written = rebuild(since=first)
        for source, rows in written.items():
            self.stdout.write(f"{source}: {rows} rows")
        self.stdout.write(self.style.SUCCESS("Roll-ups rebuilt."))
