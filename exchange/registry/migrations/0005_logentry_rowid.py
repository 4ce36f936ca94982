"""The log's entries keyed by SQLite's rowid (one B-tree); on PostgreSQL nothing changes.

SQLite rebuilds the table to change a column's type, and its triggers go with the old table:
they are dropped first and made again after, as exchange/registry/triggers.py writes them.
"""

import exchange.registry.models
from django.db import migrations


def drop_triggers(apps, schema_editor):
    from exchange.registry import triggers

    if schema_editor.connection.vendor == "sqlite":
        triggers.drop(schema_editor, triggers.APPEND_ONLY_TABLES_BEFORE_0006)


def create_triggers(apps, schema_editor):
    from exchange.registry import triggers

    if schema_editor.connection.vendor == "sqlite":
        triggers.create(schema_editor, triggers.APPEND_ONLY_TABLES_BEFORE_0006)


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_harden")]

    operations = [
        migrations.RunPython(drop_triggers, create_triggers, elidable=False),
        migrations.AlterField(
            model_name="logentry",
            name="index",
            field=exchange.registry.models.LogIndexField(
                primary_key=True, serialize=False, verbose_name="index"
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
