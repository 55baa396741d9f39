from django.contrib import admin

from surveys.models import Question, Questionnaire, SurveyInvitation, SurveyResponse


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    ordering = ["position"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "is_active", "created_at"]
    list_filter = ["language", "is_active"]
    search_fields = ["name"]
    inlines = [QuestionInline]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = ["complaint", "customer", "channel", "state", "send_after", "sent_at"]
    list_filter = ["state", "channel"]
    raw_id_fields = ["complaint", "customer", "rated_agent"]
    readonly_fields = ["nonce"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["complaint", "score", "recommend", "is_low", "answered_via", "created_at"]
    list_filter = ["is_low", "answered_via"]
    raw_id_fields = ["invitation", "complaint", "customer", "agent", "recorded_by"]
