from django.contrib import admin

from surveys.models import Question, Questionnaire


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
