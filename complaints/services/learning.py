"""The learned classifier: character n-grams, so Chinese needs no word segmentation.

Trained on past complaints' final priority and category (overrides included),
stored versioned in the database, loaded once per process per version.
"""

import io
import logging
import threading
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from complaints.enums import State
from complaints.errors import ApplicationError
from complaints.models import ClassifierModel, Complaint

logger = logging.getLogger(__name__)

# Upper bound on n-gram features: keeps a model a few MB and prediction ~1 ms.
MAX_FEATURES = 60_000
# How many past complaints a training run reads, newest first.
MAX_TRAINING_ROWS = 200_000


def model_input(*, text: str, channel: str, emotion: str) -> str:
    """One string per complaint: the text plus channel and emotion as marker words."""
    return f"⟦{channel}⟧ ⟦{emotion}⟧ {text}"


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, 3),
            lowercase=True,
            sublinear_tf=True,
            max_features=MAX_FEATURES,
        ),
        LogisticRegression(max_iter=2000, class_weight="balanced"),
    )


def train_from_rows(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Fit the category and priority pipelines on rows of text/channel/emotion/labels."""
    inputs = [model_input(text=r["text"], channel=r["channel"], emotion=r["emotion"]) for r in rows]
    pipelines: dict[str, Any] = {}
    for target in ("priority", "category"):
        labels = [row[target] for row in rows]
        labelled = [(x, y) for x, y in zip(inputs, labels, strict=True) if y]
        if len({y for _x, y in labelled}) < 2:
            continue  # nothing to learn from a single class
        pipeline = _pipeline()
        pipeline.fit([x for x, _y in labelled], [y for _x, y in labelled])
        pipelines[target] = pipeline
    return pipelines


def training_rows(limit: int = MAX_TRAINING_ROWS) -> list[dict[str, str]]:
    """Past complaints with their final labels (cancelled ones teach nothing)."""
    queryset = (
        Complaint.objects.exclude(state=State.CANCELLED)
        .order_by("-received_at")
        .values_list("description", "channel", "emotion", "priority", "category__code")[:limit]
    )
    return [
        {"text": d, "channel": c, "emotion": e, "priority": p, "category": code or ""}
        for d, c, e, p, code in queryset
    ]


def train_classifier(*, rows: list[dict[str, str]] | None = None) -> ClassifierModel:
    """Train a new version from past complaints and make it the active one."""
    import joblib

    rows = training_rows() if rows is None else rows
    if len(rows) < settings.CLASSIFIER_MIN_TRAINING_ROWS:
        raise ApplicationError(
            f"Training needs at least {settings.CLASSIFIER_MIN_TRAINING_ROWS} complaints; "
            f"there are {len(rows)}.",
            code="not_enough_data",
            status=409,
        )
    pipelines = train_from_rows(rows)
    if not pipelines:
        raise ApplicationError("Every complaint has the same labels: nothing to learn.")
    buffer = io.BytesIO()
    joblib.dump(pipelines, buffer, compress=3)
    metrics = {
        "rows": len(rows),
        "classes": {name: list(map(str, p.classes_)) for name, p in pipelines.items()},
    }
    with transaction.atomic():
        latest = ClassifierModel.objects.select_for_update().aggregate(v=Max("version"))["v"]
        model = ClassifierModel.objects.create(
            version=(latest or 0) + 1,
            trained_on=len(rows),
            metrics=metrics,
            payload=buffer.getvalue(),
            is_active=True,
        )
        ClassifierModel.objects.exclude(pk=model.pk).update(is_active=False)
    logger.info("Trained classifier v%s on %s complaints", model.version, len(rows))
    return model


class _LoadedModel:
    """The active model of this process; reloaded when another version becomes active."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.key: tuple[int, int] | None = None  # (row id, version): ids are never reused
        self.pipelines: dict[str, Any] = {}

    def get(self) -> tuple[int | None, dict[str, Any]]:
        active = (
            ClassifierModel.objects.filter(is_active=True)
            .order_by("-version")
            .values_list("pk", "version")
            .first()
        )
        if active != self.key:
            with self._lock:
                self.key = None  # a failed load must not leave the old model in place
                self.pipelines = _load(active[0]) if active is not None else {}
                self.key = active
        return (self.key[1] if self.key else None), self.pipelines


def _load(pk: int) -> dict[str, Any]:
    import joblib

    payload = ClassifierModel.objects.values_list("payload", flat=True).get(pk=pk)
    return joblib.load(io.BytesIO(bytes(payload)))


_loaded = _LoadedModel()


def predict(*, text: str, channel: str, emotion: str) -> dict[str, Any] | None:
    """The active model's guess with confidences, or None when no model is trained."""
    version, pipelines = _loaded.get()
    if not pipelines:
        return None
    sample = [model_input(text=text, channel=channel, emotion=emotion)]
    result: dict[str, Any] = {"model_version": version}
    for target in ("priority", "category"):
        pipeline = pipelines.get(target)
        if pipeline is None:
            result[target], result[f"{target}_confidence"] = "", 0.0
            continue
        probabilities = pipeline.predict_proba(sample)[0]
        best = int(probabilities.argmax())
        result[target] = str(pipeline.classes_[best])
        result[f"{target}_confidence"] = round(float(probabilities[best]), 3)
    return result
