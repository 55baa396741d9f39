from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "repair"
    verbose_name = _("Customer repair")

    def ready(self) -> None:
        from complaints.selectors import register_contact_source
        from complaints.services.privacy import register_personal_data
        from complaints.services.webhooks import register_event_types
        from complaints.signals import complaint_registered, complaint_reopened
        from repair import privacy, receivers
        from repair.webhooks import EVENT_TYPES
        from surveys.signals import survey_answered

        register_personal_data("repair", export=privacy.export, anonymise=privacy.anonymise)
        register_contact_source("repair", since=privacy.contacts_since, open_work=privacy.open_work)
        register_event_types(EVENT_TYPES)
        survey_answered.connect(receivers.on_survey_answered, dispatch_uid="repair.survey")
        complaint_reopened.connect(receivers.on_complaint_reopened, dispatch_uid="repair.reopen")
        complaint_registered.connect(
            receivers.on_complaint_registered, dispatch_uid="repair.repeat"
        )
        from repair import reports

        reports.register()
