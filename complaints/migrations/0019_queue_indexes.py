"""The agent queue at a million complaints (benchmarks, issue 12): the counts read the
creator's open complaints, and the team's and the agent's queues read a page in deadline
order, from partial indexes over open complaints."""

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0018_webhook_schedule"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(
                    (
                        "state__in",
                        [
                            "assigned",
                            "in_progress",
                            "new",
                            "reopened",
                            "waiting_customer",
                            "waiting_department",
                        ],
                    )
                ),
                fields=["created_by"],
                name="complaint_open_creator_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                models.F("team"),
                django.db.models.functions.comparison.Coalesce(
                    django.db.models.functions.comparison.Least(
                        models.Case(
                            models.When(
                                response_met_at__isnull=True, then=models.F("response_due_at")
                            ),
                            output_field=models.DateTimeField(),
                        ),
                        models.Case(
                            models.When(
                                resolution_met_at__isnull=True,
                                resolution_paused_at__isnull=True,
                                then=models.F("resolution_due_at"),
                            ),
                            output_field=models.DateTimeField(),
                        ),
                    ),
                    models.Case(
                        models.When(response_met_at__isnull=True, then=models.F("response_due_at")),
                        output_field=models.DateTimeField(),
                    ),
                    models.Case(
                        models.When(
                            resolution_met_at__isnull=True,
                            resolution_paused_at__isnull=True,
                            then=models.F("resolution_due_at"),
                        ),
                        output_field=models.DateTimeField(),
                    ),
                ),
                condition=models.Q(
                    (
                        "state__in",
                        [
                            "assigned",
                            "in_progress",
                            "new",
                            "reopened",
                            "waiting_customer",
                            "waiting_department",
                        ],
                    )
                ),
                name="complaint_team_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                models.F("assignee"),
                django.db.models.functions.comparison.Coalesce(
                    django.db.models.functions.comparison.Least(
                        models.Case(
                            models.When(
                                response_met_at__isnull=True, then=models.F("response_due_at")
                            ),
                            output_field=models.DateTimeField(),
                        ),
                        models.Case(
                            models.When(
                                resolution_met_at__isnull=True,
                                resolution_paused_at__isnull=True,
                                then=models.F("resolution_due_at"),
                            ),
                            output_field=models.DateTimeField(),
                        ),
                    ),
                    models.Case(
                        models.When(response_met_at__isnull=True, then=models.F("response_due_at")),
                        output_field=models.DateTimeField(),
                    ),
                    models.Case(
                        models.When(
                            resolution_met_at__isnull=True,
                            resolution_paused_at__isnull=True,
                            then=models.F("resolution_due_at"),
                        ),
                        output_field=models.DateTimeField(),
                    ),
                ),
                condition=models.Q(
                    (
                        "state__in",
                        [
                            "assigned",
                            "in_progress",
                            "new",
                            "reopened",
                            "waiting_customer",
                            "waiting_department",
                        ],
                    )
                ),
                name="complaint_mine_queue_idx",
            ),
        ),
    ]
