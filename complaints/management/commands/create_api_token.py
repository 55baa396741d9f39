import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints.errors import ApplicationError
from complaints.services import KNOWN_SCOPES, issue_api_token


class Command(BaseCommand):
    help = (
        "Issue an API token for an integration (as the API tokens page does); the token is "
        "printed once and never stored."
    )

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
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Default: valid until revoked."
        )
        parser.add_argument(
            "--rate", default="", help="Rate limit, e.g. 600/min. Default: API_TOKEN_RATE."
        )

    def handle(self, *args, name: str, user: str, scopes: list[str], **options) -> None:
        try:
            account = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user!r}.") from None
        days = options["expires_in_days"]
        expires_at = timezone.now() + dt.timedelta(days=days) if days is not None else None
        try:
            token, raw = issue_api_token(
                name=name,
                user=account,
                scopes=scopes,
                expires_at=expires_at,
                rate_limit=options["rate"],
            )
        except ApplicationError as exc:
            details = "; ".join(str(m) for messages in exc.details.values() for m in messages)
            raise CommandError(f"{exc.message} {details}".strip()) from None
        self.stdout.write(f"Token {token.prefix} for {account.username}; copy it now:")
        self.stdout.write(raw)
