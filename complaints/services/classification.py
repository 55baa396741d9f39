"""Priority and category at intake: explainable rules first, a learned classifier second.

Rules are compiled once per process and recompiled when any rule changes (a
one-row fingerprint query says so), so classifying costs one tiny query and a
few string searches. The classifier may suggest a category and may
raise a priority when confident; it never lowers one.
"""

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from complaints.enums import PRIORITY_RANK, EventKind, Priority
from complaints.errors import ApplicationError
from complaints.models import (
    Category,
    ClassificationRule,
    ClassifierModel,
    Complaint,
    RuleField,
    RuleKind,
    User,
)
from complaints.services.concurrency import bump_version, save_edited

logger = logging.getLogger(__name__)

# Text beyond this is not searched: a pasted e-mail thread must not slow intake.
MAX_TEXT_CHARS = 20_000

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class RuleHit:
    id: int
    name: str
    priority: str
    category: str
    weight: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "priority": self.priority,
            "category": self.category,
            "weight": self.weight,
        }


@dataclass
class Classification:
    """The outcome and its reasons, stored on the complaint as ``classification``."""

    priority: str
    category: str  # category code, "" when none
    rules: list[RuleHit] = field(default_factory=list)
    suggestion: dict[str, Any] | None = None
    source: str = "default"

    def as_json(self) -> dict[str, Any]:
        return {
            "priority": self.priority,
            "category": self.category,
            "source": self.source,
            "rules": [hit.as_json() for hit in self.rules],
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class _CompiledRule:
    hit: RuleHit
    kind: str
    pattern: re.Pattern | None = None
    needle: str = ""
    field: str = ""
    value: str = ""


def _freshness() -> tuple[tuple, tuple[int, int] | None]:
    """In one query: the rules' fingerprint and the active model's (id, version).

    The fingerprint (count, highest id, latest edit) changes with every insert,
    edit, (de)activation and delete, in any process, without a message bus.
    """
    rules = ClassificationRule._meta.db_table
    models = ClassifierModel._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {rules}), (SELECT MAX(id) FROM {rules}), "  # noqa: S608
            f"(SELECT MAX(updated_at) FROM {rules}), "
            f"(SELECT id FROM {models} WHERE is_active ORDER BY version DESC LIMIT 1), "
            f"(SELECT version FROM {models} WHERE is_active ORDER BY version DESC LIMIT 1)"
        )
        count, last_id, last_edit, model_id, model_version = cursor.fetchone()
    model_key = (model_id, model_version) if model_id is not None else None
    return (count, last_id, last_edit), model_key


class _RuleCache:
    """Compiled active rules of this process, recompiled when the fingerprint moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprint: Any = None
        self._rules: list[_CompiledRule] = []

    def rules(self, fingerprint: tuple) -> list[_CompiledRule]:
        if fingerprint != self._fingerprint:
            with self._lock:
                self._rules = [_compile(rule) for rule in _active_rules()]
                self._fingerprint = fingerprint
        return self._rules


def _active_rules():
    return ClassificationRule.objects.filter(is_active=True).select_related("category")


def _compile(rule: ClassificationRule) -> _CompiledRule:
    hit = RuleHit(
        id=rule.pk,
        name=rule.name,
        priority=rule.priority,
        category=rule.category.code if rule.category_id else "",
        weight=rule.weight,
    )
    if rule.kind == RuleKind.FIELD:
        return _CompiledRule(hit=hit, kind=RuleKind.FIELD, field=rule.field, value=rule.value)
    phrase = rule.phrase.strip()
    if _CJK.search(phrase):
        return _CompiledRule(hit=hit, kind=RuleKind.PHRASE, needle=phrase.lower())
    words = r"\s+".join(re.escape(part) for part in phrase.split())
    pattern = re.compile(rf"(?<![A-Za-z0-9]){words}(?![A-Za-z0-9])", re.IGNORECASE)
    return _CompiledRule(hit=hit, kind=RuleKind.PHRASE, pattern=pattern)


_rule_cache = _RuleCache()


def _matches(rule: _CompiledRule, text: str, lowered: str, fields: dict[str, str]) -> bool:
    if rule.kind == RuleKind.FIELD:
        return fields.get(rule.field, "") == rule.value
    if rule.pattern is not None:
        return rule.pattern.search(text) is not None
    return rule.needle in lowered


def classify(
    *,
    text: str,
    channel: str = "",
    emotion: str = "",
    customer_tier: str = "",
    is_repeat: bool = False,
    category: str = "",
) -> Classification:
    """Classify a complaint being registered. Never raises for odd input.

    ``category`` is the agent's choice, if any: it is kept, and field rules on
    it still apply.
    """
    text = (text or "")[:MAX_TEXT_CHARS]
    lowered = text.lower()
    fields = {
        RuleField.CHANNEL: channel,
        RuleField.EMOTION: emotion,
        RuleField.CUSTOMER_TIER: customer_tier,
        RuleField.REPEAT: "yes" if is_repeat else "no",
        RuleField.CATEGORY: category,
    }
    fingerprint, model_key = _freshness()
    rules = _rule_cache.rules(fingerprint)
    hits = [rule.hit for rule in rules if _matches(rule, text, lowered, fields)]
    result = _combine(hits, chosen_category=category)
    _apply_learned_model(result, text=text, channel=channel, emotion=emotion, model_key=model_key)
    return result


def _combine(hits: list[RuleHit], *, chosen_category: str) -> Classification:
    priorities = [hit.priority for hit in hits if hit.priority]
    priority = min(priorities, key=PRIORITY_RANK.__getitem__) if priorities else Priority.GENERAL
    category = chosen_category
    if not category:
        with_category = [hit for hit in hits if hit.category]
        if with_category:
            best = max(
                with_category,
                key=lambda hit: (hit.weight, -PRIORITY_RANK.get(hit.priority, 3), -hit.id),
            )
            category = best.category
    ordered = sorted(hits, key=lambda hit: (PRIORITY_RANK.get(hit.priority, 3), -hit.weight))
    return Classification(
        priority=str(priority),
        category=category,
        rules=ordered,
        source="rules" if hits else "default",
    )


def _apply_learned_model(
    result: Classification,
    *,
    text: str,
    channel: str,
    emotion: str,
    model_key: tuple[int, int] | None,
) -> None:
    """Let the trained classifier fill a missing category or raise the priority.

    Any failure of the model falls back to the rules' answer and is logged: a
    broken model must never block intake.
    """
    from complaints.services import learning

    try:
        prediction = learning.predict(
            text=text, channel=channel, emotion=emotion, model_key=model_key
        )
    except Exception:
        logger.exception("Classifier failed; the rules' answer stands.")
        return
    if prediction is None:
        return
    result.suggestion = prediction
    if (
        not result.category
        and prediction["category"]
        and prediction["category_confidence"] >= settings.CLASSIFIER_CATEGORY_MIN_CONFIDENCE
    ):
        result.category = prediction["category"]
        result.source = "rules+model" if result.rules else "model"
    predicted = prediction["priority"]
    if (
        predicted in PRIORITY_RANK
        and PRIORITY_RANK[predicted] < PRIORITY_RANK[result.priority]
        and prediction["priority_confidence"] >= settings.CLASSIFIER_PRIORITY_RAISE_MIN_CONFIDENCE
    ):
        result.priority = predicted
        result.source = "rules+model" if result.rules else "model"


def override_classification(
    complaint: Complaint,
    *,
    reason: str,
    by: User | None,
    priority: str | None = None,
    category: Category | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """An agent or supervisor corrects priority and/or category; the reason is mandatory.

    The corrected values are what the classifier later learns from.
    """
    from complaints.services.lifecycle import lock_complaint, record_event
    from complaints.services.webhooks import announce_complaint_change

    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the classification is changed.")
        raise ApplicationError(message, code="required", details={"reason": [message]})
    if priority is not None and priority not in Priority.values:
        message = _("Choose a valid priority.")
        raise ApplicationError(message, code="invalid", details={"priority": [message]})
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        changed: list[str] = []
        overrides = list(locked.classification.get("overrides", []))
        if priority is not None and priority != locked.priority:
            record_event(
                locked,
                EventKind.PRIORITY_CHANGED,
                by=by,
                message=reason,
                before={"priority": locked.priority},
                after={"priority": priority},
            )
            overrides.append({"field": "priority", "from": locked.priority, "to": priority})
            locked.priority = priority
            changed.append("priority")
        if category is not None and category.pk != locked.category_id:
            before = locked.category.code if locked.category_id else ""
            record_event(
                locked,
                EventKind.CATEGORY_CHANGED,
                by=by,
                message=reason,
                before={"category": before},
                after={"category": category.code},
            )
            overrides.append({"field": "category", "from": before, "to": category.code})
            locked.category = category
            changed.append("category")
        if not changed:
            message = _("Nothing to change: choose another priority or category.")
            raise ApplicationError(message, code="unchanged", details={"priority": [message]})
        locked.classification = {**locked.classification, "overrides": overrides}
        locked.save(update_fields=[*changed, "classification", bump_version(locked), "updated_at"])
        # One complaint.updated for the correction, whether it wrote one event or two.
        kind = EventKind.PRIORITY_CHANGED if "priority" in changed else EventKind.CATEGORY_CHANGED
        announce_complaint_change(locked, kind, fields=changed)
    return locked


def _keep_one_kind(rule: ClassificationRule) -> None:
    """A phrase rule has no field condition, and a field rule no phrase."""
    if rule.kind == RuleKind.PHRASE:
        rule.field, rule.value = "", ""
    else:
        rule.phrase = ""


def save_rule(
    rule: ClassificationRule | None,
    *,
    data: dict[str, Any],
    by: User | None,
    expected_version: int | None = None,
) -> ClassificationRule:
    """Create or edit a rule; every process picks the change up at its next classification.

    An edit is refused (412) when someone saved the rule since ``expected_version``.
    """
    rule = save_edited(
        ClassificationRule,
        rule,
        data=data,
        invalid_message=_("The rule has invalid fields."),
        expected_version=expected_version,
        adjust=_keep_one_kind,
    )
    logger.info("Classification rule %s saved by %s", rule.pk, by)
    return rule
