"""Cursor pagination per list: each ordering matches its selector's and ends on a unique key."""

from config.api import LargeListPagination


class ComplaintCursorPagination(LargeListPagination):
    """Newest received first, as ``selectors.complaint_list`` orders them."""

    ordering = ("-received_at", "-id")


class EventCursorPagination(LargeListPagination):
    """A timeline reads oldest first, as ``selectors.complaint_timeline`` orders it."""

    ordering = ("created_at", "id")


class WorkOrderCursorPagination(LargeListPagination):
    """Oldest dispatched first: a department answers its queue in order."""

    ordering = ("created_at", "id")


class CustomerCursorPagination(LargeListPagination):
    """Newest customers first; the id never changes, unlike a name."""

    ordering = ("-id",)


class NotificationCursorPagination(LargeListPagination):
    """Newest first, as an inbox reads."""

    ordering = ("-created_at", "-id")
