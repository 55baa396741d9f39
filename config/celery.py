"""The one Celery app: settings come from Django's, under the CELERY_ namespace."""

import os

from celery import Celery, signals

from config import logging as task_logging
from config import metrics as task_metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")

app = Celery("complaints_centre")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- Signals: logs and task figures --------------------------------------------------------


@signals.setup_logging.connect(weak=False)
def _use_django_logging(**kwargs) -> None:
    """Keep Django's LOGGING in workers and beat (JSON, context, masking) instead of
    letting Celery replace the root logger's handlers with its own format."""


signals.before_task_publish.connect(task_logging.add_request_id_header, weak=False)
signals.task_prerun.connect(task_logging.bind_task_context, weak=False)
signals.task_prerun.connect(task_metrics.record_task_start, weak=False)
signals.task_postrun.connect(task_metrics.record_task_end, weak=False)
signals.task_postrun.connect(task_logging.unbind_task_context, weak=False)
signals.task_failure.connect(task_metrics.record_task_failure, weak=False)
