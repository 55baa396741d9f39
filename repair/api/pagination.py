"""Cursor pagination of the callback list: nearest due first, then by id."""

from config.api import LargeListPagination


class CallbackCursorPagination(LargeListPagination):
    """Nearest due first, as the agents' callback queue orders them."""

    ordering = ("due_at", "id")
