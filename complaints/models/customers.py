"""The people who complain."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.enums import CustomerTier, Language


class Customer(models.Model):
    """One customer, identified by phone (E.164) or account number.

    Phone numbers are normalised before they are stored so that every way of
    writing a number finds the same customer.
    """

    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, unique=True, null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    account_number = models.CharField(
        _("account number"), max_length=50, unique=True, null=True, blank=True
    )
    tier = models.CharField(
        _("tier"), max_length=10, choices=CustomerTier.choices, default=CustomerTier.REGULAR
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.CHINESE
    )
    notes = models.TextField(_("notes"), blank=True)
    # Set when the customer's identity was removed on request (or by retention); their
    # complaints stay, without anything that names them, so that statistics hold.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["name"], name="customer_name_idx")]
        permissions = [
            ("manage_personal_data", _("Can export or anonymise everything held on a customer"))
        ]

    def __str__(self) -> str:
        return self.name
