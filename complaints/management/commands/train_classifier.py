from django.core.management.base import BaseCommand, CommandError

from complaints.errors import ApplicationError
from complaints.services.learning import train_classifier


class Command(BaseCommand):
    help = "Train a new classifier version on past complaints' final priority and category."

    def handle(self, *args, **options) -> None:
        try:
            model = train_classifier()
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            self.style.SUCCESS(f"Classifier v{model.version} trained on {model.trained_on} rows.")
        )
