from django.db import migrations, models


class Migration(migrations.Migration):
    """Optimistic concurrency: a version on every record people edit concurrently."""

    dependencies = [
        ("complaints", "0013_dashboard"),
    ]

    operations = [
        migrations.AddField(
            model_name=model,
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        )
        for model in ("classificationrule", "slapolicy", "workorder")
    ]
