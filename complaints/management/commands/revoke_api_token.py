from django.core.management.base import BaseCommand, CommandError

from complaints.models import ApiToken
from complaints.services import revoke_api_token


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (as the API tokens page does): refused at once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("prefix", help="The 8 characters after cts_ in the token.")

    def handle(self, *args, prefix: str, **options) -> None:
        token = ApiToken.objects.filter(prefix=prefix.removeprefix("cts_")).first()
        if token is None:
            raise CommandError(f"No token with prefix {prefix!r}.")
        token = revoke_api_token(token)
        self.stdout.write(f"Token {token.prefix} ({token.name}) revoked at {token.revoked_at}.")
