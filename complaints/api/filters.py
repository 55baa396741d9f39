"""Filter backends for the API; the FilterSets themselves are ``complaints.filters``."""

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend


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
