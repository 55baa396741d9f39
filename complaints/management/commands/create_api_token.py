from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from complaints.errors import ApplicationError
from complaints.services import KNOWN_SCOPES, issue_api_token


class Command(BaseCommand):
    help = "Issue an API token for an integration; the token is printed once and never stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="What the token is for, e.g. 'IVR (site A)'.")
        parser.add_argument("--user", required=True, help="Username the token acts as.")
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            dest="scopes",
            help=f"Repeat for each scope. Known: {', '.join(sorted(KNOWN_SCOPES))}.",
        )

    def handle(self, *args, name: str, user: str, scopes: list[str], **options) -> None:
        try:
            account = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user!r}.") from None
        try:
            token, raw = issue_api_token(name=name, user=account, scopes=scopes)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Token {token.prefix} for {account.username}; copy it now:")
        self.stdout.write(raw)
