"""A new certificate kind, SB: a settlement batch (settlement).

SQLite rebuilds the certificate table to change its check constraint, and the table's triggers go
with the old one: they are dropped first and made again after, as triggers.py writes them.
"""

from django.db import migrations, models


def drop_triggers(apps, schema_editor):
    from exchange.registry import triggers

    if schema_editor.connection.vendor == "sqlite":
        triggers.drop(schema_editor)


def create_triggers(apps, schema_editor):
    from exchange.registry import triggers

    if schema_editor.connection.vendor == "sqlite":
        triggers.create(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_ledger_day_kind"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, create_triggers, elidable=False),
        migrations.RemoveConstraint(
            model_name="certificate",
            name="registry_certificate_kind_valid",
        ),
        migrations.AlterField(
            model_name="certificate",
            name="kind",
            field=models.CharField(
                choices=[
                    ("DR", "Data resource registration"),
                    ("DP", "Data product registration"),
                    ("DA", "Data asset registration"),
                    ("TX", "Trade certificate"),
                    ("LD", "Sealed ledger day"),
                    ("SB", "Settlement batch"),
                ],
                max_length=2,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="certificatesequence",
            name="kind",
            field=models.CharField(
                choices=[
                    ("DR", "Data resource registration"),
                    ("DP", "Data product registration"),
                    ("DA", "Data asset registration"),
                    ("TX", "Trade certificate"),
                    ("LD", "Sealed ledger day"),
                    ("SB", "Settlement batch"),
                ],
                max_length=2,
            ),
        ),
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["DR", "DP", "DA", "TX", "LD", "SB"])),
                name="registry_certificate_kind_valid",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
