"""Every write to the complaints app goes through these functions."""

from .customers import get_or_create_customer, mask_phone, normalise_phone
from .intake import next_reference, register_complaint
from .tokens import KNOWN_SCOPES, issue_api_token, revoke_api_token

__all__ = [
    "KNOWN_SCOPES",
    "get_or_create_customer",
    "issue_api_token",
    "mask_phone",
    "next_reference",
    "normalise_phone",
    "register_complaint",
    "revoke_api_token",
]
