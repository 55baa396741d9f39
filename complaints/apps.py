from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints.api import schema  # noqa: F401  (registers the OpenAPI auth scheme)
        from complaints.reports import figures
        from complaints.services.webhooks import privacy

        figures.register()  # surveys and repair add theirs in their own ready()
        privacy.register()
