"""Cursor pagination of the repair app's lists: each ordering ends on a unique key."""

from config.api import LargeListPagination


class CallbackCursorPagination(LargeListPagination):
    """Nearest due first, as the agents' callback queue orders them."""

    ordering = ("due_at", "id")


class RepairCaseCursorPagination(LargeListPagination):
    """Nearest due first, as the "my repairs" queue orders them."""

    ordering = ("due_at", "id")


class KeyEventCursorPagination(LargeListPagination):
    """The latest incident first, as the key-event page lists them."""

    ordering = ("-started_at", "-id")
