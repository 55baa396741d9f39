"""Measure classification (rules plus the active model) on a labelled CSV file."""

from django.core.management.base import BaseCommand, CommandError

from complaints.services.evaluation import evaluate_file, format_report


class Command(BaseCommand):
    help = (
        "Evaluate classification on FILE.csv with columns text, channel, emotion, priority, "
        "category: accuracy, per-class precision and recall, confusion matrices."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="UTF-8 (or GBK) CSV with a header row.")

    def handle(self, *args, file: str, **options) -> None:
        try:
            report = evaluate_file(file)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(format_report(report))
