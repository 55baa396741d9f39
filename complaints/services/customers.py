"""Customer records: matching by phone."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from complaints.errors import ApplicationError
from complaints.models import Customer
from complaints.phones import mask_phone, normalise_phone


def get_or_create_customer(
    *, phone: str, name: str = "", email: str = "", account_number: str | None = None
) -> tuple[Customer, bool]:
    """Find the customer by normalised phone, or create them.

    Safe under concurrent intake of the same new number: the unique index
    decides, and the loser reads the winner's row.
    """
    e164 = normalise_phone(phone)
    existing = Customer.objects.filter(phone=e164).first()
    if existing is not None:
        return existing, False
    if account_number and Customer.objects.filter(account_number=account_number).exists():
        message = _("This account number belongs to a customer with another phone number.")
        raise ApplicationError(message, code="account_taken", details={"account_number": [message]})
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                phone=e164,
                name=name or mask_phone(e164),  # a name that does not reveal the number
                email=email,
                account_number=account_number or None,
            )
    except IntegrityError:
        return Customer.objects.get(phone=e164), False
    return customer, True
