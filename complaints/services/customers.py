"""Customer records: phone normalisation and matching."""

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction

from complaints.errors import ApplicationError
from complaints.models import Customer


def normalise_phone(raw: str, *, region: str | None = None) -> str:
    """Return the number in E.164, so every spelling of it finds one customer.

    ``13812345678``, ``+86 138-1234-5678`` and ``0086 13812345678`` all give
    ``+8613812345678``. Raises ApplicationError (code ``invalid_phone``) for
    anything that is not a valid number.
    """
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ApplicationError(
            f"{raw!r} is not a valid phone number.",
            code="invalid_phone",
            details={"phone": ["Enter a valid phone number."]},
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str | None) -> str:
    """``+8613812345678`` → ``138****5678``: enough to recognise, not to dial."""
    if not phone:
        return ""
    national = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    if len(national) <= 7:
        return national[:2] + "*" * max(len(national) - 2, 0)
    return f"{national[:3]}****{national[-4:]}"


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
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                phone=e164,
                name=name or e164,
                email=email,
                account_number=account_number or None,
            )
    except IntegrityError:
        return Customer.objects.get(phone=e164), False
    return customer, True
