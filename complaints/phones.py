"""Contact details: phone numbers in one canonical form (E.164), and masked forms for lists."""

import phonenumbers
from django.conf import settings

from complaints.errors import ApplicationError


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


def mask_email(email: str | None) -> str:
    """``wang.wei@example.com`` → ``w***@example.com``: enough to recognise, not to write to."""
    if not email:
        return ""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"
