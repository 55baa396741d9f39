"""Signed webhooks for integrations (docs/webhooks.md).

``events``: the event types, their payloads, and writing deliveries in the caller's
transaction; ``subscriptions``: what administrators manage, and the URL rule;
``sending``: signing, the HTTP request, retries, disabling a failing subscription.
"""

from .events import (
    EVENT_TYPES,
    Event,
    announce_complaint_change,
    api_url,
    complaint_ref,
    event_type_choices,
    phone_for,
    queue_event,
    queue_sla_events,
    register_event_types,
    timestamp,
)
from .sending import (
    deliver_due_webhooks,
    event_body,
    purge_old_deliveries,
    sign,
    signature_header,
)
from .subscriptions import (
    check_url,
    create_subscription,
    delete_subscription,
    redeliver,
    rotate_secret,
    send_ping,
    update_subscription,
)

__all__ = [
    "EVENT_TYPES",
    "Event",
    "announce_complaint_change",
    "api_url",
    "check_url",
    "complaint_ref",
    "create_subscription",
    "delete_subscription",
    "deliver_due_webhooks",
    "event_body",
    "event_type_choices",
    "phone_for",
    "purge_old_deliveries",
    "queue_event",
    "queue_sla_events",
    "redeliver",
    "register_event_types",
    "rotate_secret",
    "send_ping",
    "sign",
    "signature_header",
    "timestamp",
    "update_subscription",
]
