"""Cursor pagination per list: each ordering ends on a unique key."""

from config.api import LargeListPagination


class NewestFirstPagination(LargeListPagination):
    """Responses and invitations: newest first, as the models order them."""

    ordering = ("-created_at", "-id")


class SmsReplyCursorPagination(LargeListPagination):
    """Newest received first, as the gateway delivered them."""

    ordering = ("-received_at", "-id")
