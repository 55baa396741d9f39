"""The strategy library: supervisors add and edit the repair measures agents follow.

Scripts are ``str.format`` templates. A script is checked when it is saved, so a
typo in a placeholder is caught by the supervisor who made it, not shown to an
agent in the middle of a call (``render_script`` still leaves unknown ones as written).
"""

import logging
import string
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.errors import ApplicationError
from complaints.models import User
from repair.enums import DamageType
from repair.models import RepairStrategy
from repair.services.cases import SCRIPT_PLACEHOLDERS

logger = logging.getLogger(__name__)

SCRIPT_FIELDS = ("script_en", "script_zh_hans")


def script_problems(template: str) -> list[str]:
    """What is wrong with a script template: broken braces or unknown placeholders."""
    try:
        fields = [field for _text, field, _spec, _conv in string.Formatter().parse(template)]
    except ValueError:
        return [
            _(
                "Braces must come in pairs around a placeholder, e.g. {customer_name}; write {{ }} "
                "for a brace itself."
            )
        ]
    unknown = sorted({field for field in fields if field is not None} - set(SCRIPT_PLACEHOLDERS))
    if not unknown:
        return []
    return [
        _("Unknown placeholders: %(unknown)s. Use %(known)s.")
        % {
            "unknown": ", ".join(f"{{{name}}}" for name in unknown),
            "known": ", ".join(f"{{{name}}}" for name in SCRIPT_PLACEHOLDERS),
        }
    ]


def save_strategy(
    strategy: RepairStrategy | None, *, data: dict[str, Any], by: User | None
) -> RepairStrategy:
    """Create or edit a strategy; cases show the new script at their next page view.

    Strategies are never deleted here, only made inactive: closed cases keep
    naming the strategy they used.
    """
    strategy = strategy or RepairStrategy()
    for name, value in data.items():
        setattr(strategy, name, value)
    strategy.damage_types = sorted({DamageType(value).value for value in strategy.damage_types})
    errors: dict[str, list[str]] = {}
    for field in SCRIPT_FIELDS:
        problems = script_problems(getattr(strategy, field) or "")
        if problems:
            errors[field] = problems
    try:
        strategy.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ApplicationError(
            _("The strategy has invalid fields."), code="invalid", details=errors
        )
    with transaction.atomic():
        strategy.save()
    logger.info("Repair strategy %s saved by %s", strategy.pk, by)
    return strategy
