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
from .people import Department, Team, User
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
    "Attachment",
    "Category",
    "ClassificationRule",
    "ClassifierModel",
    "Complaint",
    "ComplaintEvent",
    "Customer",
    "Department",
    "ReferenceCounter",
    "RuleField",
    "RuleKind",
    "Team",
    "User",
    "WorkOrder",
    "next_due_expression",
    "hash_token_secret",
]
