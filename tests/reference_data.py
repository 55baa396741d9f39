"""The reference data that data migrations seed (roles, categories, rules, policies...).

Transactional tests (browser, concurrency, Celery) end with a flush that empties every
table; ``seed_reference_data`` puts the seeded rows back by running the same migration
functions against the real models, so the next test starts from a freshly migrated
database. (Django's serialized rollback cannot be used: Playwright's event loop gives
later tests a new connection object without the serialized copy.)
"""

import importlib

from django.apps import apps

SEEDS = [
    ("complaints.migrations.0002_roles", "create_roles"),
    ("complaints.migrations.0003_default_categories", "create_categories"),
    ("complaints.migrations.0004_periodic_tasks", "create_periodic_tasks"),
    ("complaints.migrations.0007_default_rules", "create_rules"),
    ("complaints.migrations.0008_classifier_schedule", "schedule_training"),
    ("complaints.migrations.0009_classification_roles", "grant"),
    ("complaints.migrations.0011_sla_defaults", "seed"),
    ("complaints.migrations.0012_audit_trail", "grant"),
    ("complaints.migrations.0013_dashboard", "grant"),
    ("complaints.migrations.0013_dashboard", "schedule"),
    ("complaints.migrations.0016_idempotency_purge_schedule", "schedule_purge"),
    ("complaints.migrations.0018_webhook_schedule", "seed"),
    ("complaints.migrations.0020_retention_schedule", "schedule_retention"),
    ("surveys.migrations.0002_roles", "grant"),
    ("surveys.migrations.0004_default_questionnaire", "seed"),
    ("surveys.migrations.0006_dashboard", "grant"),
    ("repair.migrations.0002_roles", "grant"),
    ("repair.migrations.0004_callback_defaults", "seed"),
    ("repair.migrations.0006_default_strategies", "seed"),
    ("repair.migrations.0008_key_event_roles", "grant"),
    ("repair.migrations.0011_resume_imports", "schedule"),
    ("repair.migrations.0012_dashboard", "grant"),
]


def seed_reference_data() -> None:
    """Idempotent: each seed function skips or updates rows that already exist."""
    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)
