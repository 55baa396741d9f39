from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "repair"
    verbose_name = _("Customer repair")
