from django.contrib import admin

from repair.models import CallbackRequest, RepairCase, RepairStrategy


@admin.register(CallbackRequest)
class CallbackRequestAdmin(admin.ModelAdmin):
    list_display = ["phone", "source", "state", "requested_at", "due_at", "assignee"]
    list_filter = ["state", "source"]
    search_fields = ["phone"]
    raw_id_fields = ["customer", "complaint", "assignee"]
    date_hierarchy = "requested_at"


@admin.register(RepairCase)
class RepairCaseAdmin(admin.ModelAdmin):
    list_display = ["customer", "damage_type", "level", "state", "owner", "due_at"]
    list_filter = ["damage_type", "state", "level"]
    raw_id_fields = ["customer", "complaint", "owner"]


@admin.register(RepairStrategy)
class RepairStrategyAdmin(admin.ModelAdmin):
    list_display = ["name", "line", "is_active"]
    list_filter = ["line", "is_active"]
    search_fields = ["name"]
