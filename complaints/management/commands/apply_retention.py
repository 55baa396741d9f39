"""``manage.py apply_retention [--dry-run] [--batch-size N]``: apply the retention periods."""

from django.core.management.base import BaseCommand, CommandError

from complaints.locks import advisory_lock
from complaints.services.retention import RETENTION_LOCK, apply_retention


class Command(BaseCommand):
    help = (
        "Delete attachments of complaints ended more than RETENTION_ATTACHMENT_DAYS ago and "
        "anonymise customers out of touch for RETENTION_CUSTOMER_DAYS, in batches. "
        "Statistics stay. Safe to re-run and while the product runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change; change nothing"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            help="rows per transaction (default: the RETENTION_BATCH_SIZE setting)",
        )

    def handle(self, *args, dry_run: bool = False, batch_size: int | None = None, **options):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        with advisory_lock(RETENTION_LOCK) as acquired:
            if not acquired:
                raise CommandError("Another retention run is in progress; try again later.")
            result = apply_retention(dry_run=dry_run, batch_size=batch_size, via="command")
        verb = "to delete" if dry_run else "deleted"
        self.stdout.write(
            self._line("attachments", verb, result.attachments, "RETENTION_ATTACHMENT_DAYS")
        )
        verb = "to anonymise" if dry_run else "anonymised"
        self.stdout.write(
            self._line("customers", verb, result.customers, "RETENTION_CUSTOMER_DAYS")
        )
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was changed."))
        else:
            self.stdout.write(self.style.SUCCESS("Retention applied."))

    @staticmethod
    def _line(kind: str, verb: str, count: int | None, setting: str) -> str:
        if count is None:
            return f"{kind}: kept for ever ({setting}=0)"
        return f"{kind} {verb}: {count}"
