from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    ApiToken,
    Attachment,
    AuditEntry,
    BusinessCalendar,
    Category,
    ClassificationRule,
    ClassifierModel,
    Complaint,
    ComplaintEvent,
    Customer,
    Department,
    OutboundMessage,
    SlaPolicy,
    Team,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    WorkOrder,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Centre"), {"fields": ("team", "department", "employment_type")}),
    )
    list_display = ["username", "first_name", "last_name", "team", "department", "is_active"]
    list_filter = [*DjangoUserAdmin.list_filter, "team", "department", "employment_type"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email"]
    search_fields = ["code", "name"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh_hans", "is_active", "position"]
    list_editable = ["is_active", "position"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "account_number", "tier"]
    list_filter = ["tier"]
    search_fields = ["name", "phone", "account_number"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class WorkOrderInline(ReadOnlyInline):
    model = WorkOrder
    fields = ["department", "state", "instructions", "answer", "answered_at"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_by", "created_at"]


class EventInline(ReadOnlyInline):
    model = ComplaintEvent
    fields = ["created_at", "kind", "actor", "message", "before", "after"]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through services so that the timeline stays true."""

    list_display = ["reference", "received_at", "customer", "priority", "state", "team", "assignee"]
    list_filter = ["state", "priority", "channel", "category", "team"]
    search_fields = ["reference", "customer__name", "customer__phone"]
    raw_id_fields = ["customer", "assignee", "created_by", "repeat_of", "duplicate_of"]
    list_select_related = ["customer", "team", "assignee"]
    readonly_fields = [field.name for field in Complaint._meta.fields]
    inlines = [WorkOrderInline, AttachmentInline, EventInline]
    date_hierarchy = "received_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(admin.ModelAdmin):
    """The audit trail: viewable, never editable or deletable."""

    list_display = ["created_at", "complaint", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["complaint", "actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Who saw or took personal data: viewable and searchable, never editable or deletable."""

    list_display = ["created_at", "actor", "action", "customer", "object_type", "object_id", "via"]
    list_filter = ["action", "via"]
    search_fields = ["actor__username", "path"]
    list_select_related = ["actor", "customer"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the API tokens page or with ``manage.py create_api_token`` (the
    raw value is shown once); a row added here would have no secret, so adding is off."""

    list_display = [
        "name",
        "prefix",
        "user",
        "rate_limit",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "created_at", "last_used_at", "created_by"]
    fields = [
        "name",
        "prefix",
        "user",
        "scopes",
        "rate_limit",
        "expires_at",
        "revoked_at",
        "created_by",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ClassificationRule)
class ClassificationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "phrase", "field", "value", "priority", "category", "weight"]
    list_filter = ["kind", "priority", "category", "is_active"]
    search_fields = ["name", "phrase"]


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    """Trained by the weekly task or ``manage.py train_classifier``; only activation is edited."""

    list_display = ["version", "created_at", "trained_on", "is_active"]
    readonly_fields = ["version", "created_at", "trained_on", "metrics"]
    fields = ["version", "created_at", "trained_on", "metrics", "is_active"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "applies_to",
        "priority",
        "category",
        "customer_tier",
        "first_response_minutes",
        "resolution_minutes",
        "warn_percent",
        "is_active",
    ]
    list_filter = ["applies_to", "priority", "is_active"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "holiday_country"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """The outbox, for operators: see what went out and why something failed."""

    list_display = ["created_at", "channel", "state", "attempts", "not_before", "sent_at"]
    list_filter = ["channel", "state"]
    readonly_fields = [field.name for field in OutboundMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: visible to operators, changed through the product."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    """Read-only here: the Webhooks page creates them (the URL rule, the secret shown once)."""

    list_display = ["name", "url", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    exclude = ["secret", "previous_secret"]


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["number", "started_at", "duration_ms", "status", "error", "response_body"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event_type", "subscription", "state", "attempts", "last_status"]
    list_filter = ["state", "event_type"]
    list_select_related = ["subscription"]
    inlines = [WebhookAttemptInline]
