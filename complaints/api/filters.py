"""Filter backends for the API, and the FilterSets of API-only lists.

The FilterSets shared with the pages are ``complaints.filters``.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as django_filters
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend

from complaints.models import Notification, SlaPolicy


class SelectorFilterBackend(DjangoFilterBackend):
    """Check the query parameters against the view's FilterSet; the selector applies them.

    Selectors own filtering so that pages and API filter alike (e.g.
    ``selectors.complaint_list(user, filters=...)``). A selector quietly returns
    nothing for invalid filters, which suits a page; an API client deserves a
    400 naming the parameter, and the parameters belong in the OpenAPI schema.
    This backend does both and leaves the queryset as the selector made it.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None and not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return queryset


class NotificationFilter(django_filters.FilterSet):
    """The caller's notifications; ``unread=true`` keeps those not yet read."""

    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Unread only")
    )

    class Meta:
        model = Notification
        fields = ["unread"]


class SlaPolicyFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__code", label=_("Category code"))

    class Meta:
        model = SlaPolicy
        fields = ["applies_to", "priority", "category", "is_active"]
