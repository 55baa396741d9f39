"""The SLA status an API client sees: the same function the pages use."""

from typing import Any

from complaints.enums import SlaStatus
from complaints.services.sla import sla_status as clock_status


def sla_status(complaint: Any) -> SlaStatus:
    """Pure: no queries and no clock reading, only the complaint's clock columns."""
    return clock_status(complaint)[0]
