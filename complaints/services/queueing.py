"""Asking a worker to act after commit, without letting a broker outage break the write.

The work itself is already in a table (the outbox, the webhook delivery table) in the
same commit, and a once-a-minute sweep runs the same task, so a lost request only
delays the work. The tasks queued here ignore their results: with a result backend,
Celery first subscribes to the result and, with Redis down, retries that for about
20 seconds before failing; without it, publishing fails in under a second.
"""

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args: Any) -> None:
    """Queue ``task(*args)`` once this transaction commits; failures are logged."""

    def enqueue() -> None:
        try:
            task.apply_async(args, ignore_result=True)
        except Exception:  # broker down: the periodic sweep runs it later
            logger.warning("Could not queue %s; the periodic sweep will run it.", task.name)

    transaction.on_commit(enqueue)
