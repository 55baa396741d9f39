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


TARGETS = ("priority", "category")


def _vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 3),
        lowercase=True,
        sublinear_tf=True,
        max_features=MAX_FEATURES,
    )


def train_from_rows(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Fit one shared vectorizer and a priority and a category model on labelled rows.

    One vectorizer for both targets halves the cost of a prediction.
    """
    from sklearn.linear_model import LogisticRegression

    inputs = [model_input(text=r["text"], channel=r["channel"], emotion=r["emotion"]) for r in rows]
    vectorizer = _vectorizer()
    features = vectorizer.fit_transform(inputs)
    models: dict[str, Any] = {}
    for target in TARGETS:
        keep = [index for index, row in enumerate(rows) if row[target]]
        labels = [rows[index][target] for index in keep]
        if len(set(labels)) < 2:
            continue  # nothing to learn from a single class
        model = LogisticRegression(max_iter=2000, class_weight="balanced")
        model.fit(features[keep], labels)
        models[target] = model
    return {"vectorizer": vectorizer, **models} if models else {}


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
    models = train_from_rows(rows)
    if not models:
        raise ApplicationError("Every complaint has the same labels: nothing to learn.")
    buffer = io.BytesIO()
    joblib.dump(models, buffer, compress=3)
    metrics = {
        "rows": len(rows),
        "classes": {
            name: list(map(str, models[name].classes_)) for name in TARGETS if name in models
        },
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
    """The active model of this process; reloaded when another one becomes active."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.key: tuple[int, int] | None = None
        self.models: dict[str, Any] = {}

    def get(self, key: tuple[int, int] | None) -> dict[str, Any]:
        if key is None:
            return {}
        with self._lock:
            if key != self.key:
                # A failed load must not leave the old model in place under no key: a later
                # call without a model would get it (and its version would be None's).
                self.key, self.models = None, {}
                self.models = _load(key[0])
                self.key = key
            return self.models


def _load(pk: int) -> dict[str, Any]:
    import joblib

    payload = ClassifierModel.objects.values_list("payload", flat=True).get(pk=pk)
    return joblib.load(io.BytesIO(bytes(payload)))


_loaded = _LoadedModel()


def predict(
    *, text: str, channel: str, emotion: str, model_key: tuple[int, int] | None
) -> dict[str, Any] | None:
    """The model's guess with confidences, or None when no model is trained.

    ``model_key`` is the active model's (id, version), read by the caller in the
    same query as the rules' fingerprint.
    """
    models = _loaded.get(model_key)
    if not models:
        return None
    features = models["vectorizer"].transform(
        [model_input(text=text, channel=channel, emotion=emotion)]
    )
    result: dict[str, Any] = {"model_version": model_key[1]}
    for target in TARGETS:
        model = models.get(target)
        if model is None:
            result[target], result[f"{target}_confidence"] = "", 0.0
            continue
        probabilities = model.predict_proba(features)[0]
        best = int(probabilities.argmax())
        result[target] = str(model.classes_[best])
        result[f"{target}_confidence"] = round(float(probabilities[best]), 3)
    return result
