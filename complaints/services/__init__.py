"""Every write to the complaints app goes through these functions."""

from complaints.phones import mask_phone, normalise_phone

from .attachments import add_attachment, sniff_content_type
from .classification import classify, override_classification, save_rule
from .customers import get_or_create_customer
from .intake import intake_complaint, next_reference, register_complaint
from .lifecycle import (
    add_note,
    assign,
    cancel,
    confirm_resolution,
    lock_complaint,
    log_contact,
    propose_resolution,
    reopen,
    resume,
    start_work,
    update_complaint,
    wait_on_customer,
)
from .notifications import mark_notifications_read
from .sla import recalculate_open_clocks, save_policy
from .tokens import KNOWN_SCOPES, issue_api_token, revoke_api_token
from .work_orders import answer_work_order, cancel_work_order, dispatch_work_order

__all__ = [
    "KNOWN_SCOPES",
    "add_attachment",
    "add_note",
    "answer_work_order",
    "assign",
    "cancel",
    "cancel_work_order",
    "classify",
    "confirm_resolution",
    "dispatch_work_order",
    "get_or_create_customer",
    "intake_complaint",
    "issue_api_token",
    "lock_complaint",
    "log_contact",
    "mark_notifications_read",
    "mask_phone",
    "next_reference",
    "normalise_phone",
    "override_classification",
    "propose_resolution",
    "recalculate_open_clocks",
    "register_complaint",
    "reopen",
    "resume",
    "revoke_api_token",
    "save_policy",
    "save_rule",
    "sniff_content_type",
    "start_work",
    "update_complaint",
    "wait_on_customer",
]
