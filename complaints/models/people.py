"""Who works in the centre: users, the teams agents belong to, back-office departments."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.enums import EmploymentType


class Team(models.Model):
    """A group of agents sharing a queue; agents see their team's complaints."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    calendar = models.ForeignKey(
        "complaints.BusinessCalendar",
        verbose_name=_("business calendar"),
        help_text=_("Empty: SLA clocks run around the clock (24×7)."),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A back-office department (billing, network, logistics...) that answers work orders."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("notification email"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person or an integration's service account.

    The role is the user's group (see ``complaints.access``); agents belong to a
    team, department users to a department. ``employment_type`` drives the
    repair responsibility rule: outsourced agents' unhappy customers go to the
    quality team instead of the agent.
    """

    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    employment_type = models.CharField(
        _("employment type"),
        max_length=20,
        choices=EmploymentType.choices,
        default=EmploymentType.IN_HOUSE,
    )
    mobile = models.CharField(
        _("mobile (for urgent alerts)"), max_length=20, blank=True, help_text=_("E.164")
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
