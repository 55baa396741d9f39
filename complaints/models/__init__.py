from .audit import AuditAction, AuditEntry
from .base import VersionedModel
from .classification import ClassificationRule, ClassifierModel, RuleField, RuleKind
from .complaints import (
    AppendOnlyError,
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    ReferenceCounter,
    WorkOrder,
    next_due_expression,
)
from .customers import Customer
from .idempotency import IdempotencyKey
from .people import Department, Team, User
from .reports import ComplaintDailyRollup, RollupDimensions, RollupState, WorkOrderDailyRollup
from .sla import (
    BusinessCalendar,
    MessageChannel,
    MessageState,
    Notification,
    OutboundMessage,
    SlaPolicy,
    SlaTarget,
)
from .tokens import ApiToken, hash_token_secret
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "BusinessCalendar",
    "MessageChannel",
    "MessageState",
    "Notification",
    "OutboundMessage",
    "SlaPolicy",
    "SlaTarget",
    "ApiToken",
    "AppendOnlyError",
    "AuditAction",
    "AuditEntry",
    "Attachment",
    "Category",
    "ClassificationRule",
    "ClassifierModel",
    "Complaint",
    "ComplaintDailyRollup",
    "ComplaintEvent",
    "Customer",
    "Department",
    "IdempotencyKey",
    "ReferenceCounter",
    "RollupDimensions",
    "RollupState",
    "RuleField",
    "RuleKind",
    "Team",
    "User",
    "VersionedModel",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkOrder",
    "WorkOrderDailyRollup",
    "next_due_expression",
    "hash_token_secret",
]
