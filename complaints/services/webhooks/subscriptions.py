"""Administrators' side of webhooks: subscriptions, secrets, test pings, redeliveries.

A subscription URL must be http(s) and, unless ``WEBHOOK_ALLOW_PRIVATE_URLS``, resolve
only to public addresses: the product sits inside the centre's network, and a webhook
aimed at 127.0.0.1 or 10.0.0.5 would let whoever configures it probe that network
(SSRF). The rule is checked when a subscription is saved and again before every
request, against the addresses the request then connects to.
"""

import datetime as dt
import ipaddress
import logging
import secrets
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.enums import WebhookState
from complaints.errors import ApplicationError
from complaints.models import User, WebhookDelivery, WebhookSubscription
from complaints.services.webhooks.events import (
    EVENT_TYPES,
    Event,
    queue_event,
    schedule_sending,
)

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 - a public label, not a secret
EDITABLE = frozenset({"name", "url", "events", "include_contact_details", "is_active"})


def _invalid(field: str, message: str, *, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, details={field: [message]})


# --- The URL rule (SSRF) ----------------------------------------------------------------


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def check_url(url: str) -> str:
    """The URL, stripped, if a webhook may be sent to it; else ``ApplicationError`` on ``url``."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid("url", _("Enter an http:// or https:// URL."))
    if parts.username is not None or parts.password is not None:
        raise _invalid(
            "url", _("Leave the user name and password out: deliveries are signed instead.")
        )
    try:
        port = parts.port or default_port(parts.scheme)
    except ValueError:
        raise _invalid("url", _("The port in this URL is not valid.")) from None
    resolve_target(parts.hostname, port)
    return url


def resolve_target(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to; refused if any is private and that is not allowed.

    Every address must pass, so that a name resolving to one public and one
    private address cannot slip through on the second.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        message = _("The host name %(host)s does not resolve.") % {"host": host}
        raise _invalid("url", message, code="unresolvable_url") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        for address in addresses:
            if not is_public_address(address):
                message = _(
                    "%(host)s resolves to a private, loopback or link-local address "
                    "(%(address)s); webhooks go to public addresses only."
                ) % {"host": host, "address": address}
                raise _invalid("url", message, code="private_url")
    return addresses


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) aside
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip.is_global and not ip.is_multicast


# --- Subscriptions ------------------------------------------------------------------------


def new_secret() -> str:
    """256 random bits, URL-safe, so that it also works quoted in a shell (``-hmac "$SECRET"``)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes checked field by field; every refused field is named in one error."""
    cleaned = dict(changes)
    errors: dict[str, list[str]] = {}
    checks = {"name": _clean_name, "url": _clean_url, "events": _clean_events}
    for field, check in checks.items():
        if field in cleaned:
            try:
                cleaned[field] = check(cleaned[field])
            except ApplicationError as error:
                errors.update(error.details)
    if errors:
        raise ApplicationError(
            _("The subscription has invalid fields."), code="invalid", details=errors
        )
    return cleaned


def _clean_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        raise _invalid("name", _("Name the subscription."), code="required")
    if len(name) > 100:
        raise _invalid("name", _("At most %(max)s characters.") % {"max": 100})
    return name


def _clean_url(value: str) -> str:
    if len(value or "") > 500:
        raise _invalid("url", _("At most %(max)s characters.") % {"max": 500})
    return check_url(value)


def _clean_events(value: list[str]) -> list[str]:
    events = sorted(set(value or []))
    if not events:
        raise _invalid("events", _("Choose at least one event."), code="required")
    unknown = [event for event in events if event not in EVENT_TYPES]
    if unknown:
        raise _invalid("events", _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)})
    return events


def create_subscription(
    *,
    name: str,
    url: str,
    events: list[str],
    include_contact_details: bool = False,
    by: User | None,
) -> tuple[WebhookSubscription, str]:
    """Create a subscription; returns it with its secret, which is shown this once."""
    data = _clean(
        {
            "name": name,
            "url": url,
            "events": events,
            "include_contact_details": include_contact_details,
        }
    )
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            **data, secret=new_secret(), created_by=by
        )
    logger.info("Webhook subscription %s created by %s", subscription.pk, by)
    return subscription, subscription.secret


def update_subscription(
    subscription: WebhookSubscription, *, changes: dict[str, Any], by: User | None
) -> WebhookSubscription:
    """Edit, disable or re-enable; re-enabling forgets the failures that disabled it.

    Deliveries still pending when a subscription was disabled wait, and go out once
    it is enabled again.
    """
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="not_editable",
        )
    data = _clean(changes)
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        enabling = data.get("is_active") is True and not locked.is_active
        disabling = data.get("is_active") is False and locked.is_active
        for field, value in data.items():
            setattr(locked, field, value)
        fields = [*data, "updated_at"]
        if enabling:
            locked.consecutive_failures = 0
            locked.disabled_at = None
            locked.disabled_reason = ""
            fields += ["consecutive_failures", "disabled_at", "disabled_reason"]
        elif disabling:
            locked.disabled_at = timezone.now()
            locked.disabled_reason = _("Disabled by %(user)s.") % {"user": by or _("the system")}
            fields += ["disabled_at", "disabled_reason"]
        locked.save(update_fields=fields)
        if enabling:
            schedule_sending()
    logger.info("Webhook subscription %s changed by %s: %s", locked.pk, by, sorted(data))
    return locked


def delete_subscription(subscription: WebhookSubscription, *, by: User | None) -> None:
    """Delete it with its deliveries and their attempts."""
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).delete()
    logger.info("Webhook subscription %s deleted by %s", subscription.pk, by)


def rotate_secret(
    subscription: WebhookSubscription, *, by: User | None
) -> tuple[WebhookSubscription, str]:
    """A new secret, shown once; the previous one still signs for the overlap window.

    While both are valid every delivery carries two signatures, so the receiver
    can switch to the new secret at any moment within the window.
    """
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = timezone.now() + dt.timedelta(
            hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS
        )
        locked.secret = new_secret()
        locked.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
    logger.info("Webhook subscription %s secret rotated by %s", locked.pk, by)
    return locked, locked.secret


def _require_active(subscription: WebhookSubscription) -> None:
    if not subscription.is_active:
        raise ApplicationError(
            _("This subscription is disabled; enable it first."),
            code="subscription_disabled",
            status=409,
        )


def send_ping(subscription: WebhookSubscription, *, by: User | None) -> WebhookDelivery:
    """Queue a ``webhook.ping`` to this subscription alone, to test the receiver."""
    _require_active(subscription)
    with transaction.atomic():
        (delivery,) = queue_event(
            Event.WEBHOOK_PING,
            lambda contact: {
                "subscription": {"id": subscription.pk, "name": subscription.name},
                "requested_by": by.username if by is not None else None,
            },
            to=[subscription],
        )
    return delivery


def redeliver(delivery: WebhookDelivery, *, by: User | None) -> WebhookDelivery:
    """Send a delivery again as a new one: same event id and data, fresh attempts.

    The receiver sees the same ``Webhook-Id`` and can tell it already has the
    event; the original keeps its attempts for the record.
    """
    _require_active(delivery.subscription)
    now = timezone.now()
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            subscription=delivery.subscription,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            payload=delivery.payload,
            state=WebhookState.PENDING,
            next_attempt_at=now,
            created_at=delivery.created_at,
            redelivery_of=delivery,
        )
        schedule_sending()
    logger.info("Webhook delivery %s redelivered as %s by %s", delivery.pk, again.pk, by)
    return again
