from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from complaints.selectors import register_contact_source
        from complaints.services.privacy import register_personal_data
        from complaints.services.webhooks import register_event_types
        from complaints.signals import complaint_closed
        from surveys import privacy, reports
        from surveys.webhooks import EVENT_TYPES

        complaint_closed.connect(_invite, dispatch_uid="surveys.invite_after_closure")
        register_personal_data("surveys", export=privacy.export, anonymise=privacy.anonymise)
        register_contact_source("surveys", since=privacy.contacts_since)
        register_event_types(EVENT_TYPES)
        reports.register()


def _invite(sender, complaint, **kwargs) -> None:
    from surveys.services import invite_after_closure

    invite_after_closure(complaint)
