"""The log's entries stored as parts of their C2SP entry bundles instead of one a row.

Existing entries are copied across, each run of consecutive entries of a bundle as one part; the
append-only triggers move from registry_logentry to registry_logbundlepart
(exchange/registry/triggers.py).
"""

import django.db.models.expressions
import django.db.models.functions.math
import django.db.models.lookups
import exchange.registry.models
from django.db import migrations, models

BUNDLE = 256
COPY_ROWS = 10_000


def drop_triggers(apps, schema_editor):
    from exchange.registry import triggers

    triggers.drop(schema_editor, triggers.APPEND_ONLY_TABLES_BEFORE_0006)


def create_triggers(apps, schema_editor):
    from exchange.registry import triggers

    triggers.create(schema_editor)


def drop_new_triggers(apps, schema_editor):
    from exchange.registry import triggers

    triggers.drop(schema_editor)


def create_old_triggers(apps, schema_editor):
    from exchange.registry import triggers

    triggers.create(schema_editor, triggers.APPEND_ONLY_TABLES_BEFORE_0006)


def pack(entries):
    return b"".join(len(entry).to_bytes(2, "big") + entry for entry in entries)


def entries_to_parts(apps, schema_editor):
    LogEntry = apps.get_model("registry", "LogEntry")
    LogBundlePart = apps.get_model("registry", "LogBundlePart")
    parts, run_first, run = [], None, []

    def close_run():
        if run:
            parts.append(LogBundlePart(first=run_first, count=len(run), data=pack(run)))

    rows = LogEntry.objects.order_by("index").values_list("index", "data")
    for index, data in rows.iterator(chunk_size=COPY_ROWS):
        if run and (index != run_first + len(run) or index % BUNDLE == 0):
            close_run()
            run = []
        if not run:
            run_first = index
        run.append(bytes(data))
        if len(parts) >= COPY_ROWS:
            LogBundlePart.objects.bulk_create(parts)
            parts = []
    close_run()
    LogBundlePart.objects.bulk_create(parts)


def parts_to_entries(apps, schema_editor):
    LogEntry = apps.get_model("registry", "LogEntry")
    LogBundlePart = apps.get_model("registry", "LogBundlePart")
    for part in LogBundlePart.objects.order_by("first").iterator(chunk_size=100):
        data, position, entries = bytes(part.data), 0, []
        while position < len(data):
            length = int.from_bytes(data[position : position + 2], "big")
            entries.append(data[position + 2 : position + 2 + length])
            position += 2 + length
        LogEntry.objects.bulk_create(
            LogEntry(index=part.first + offset, data=entry) for offset, entry in enumerate(entries)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_logentry_rowid"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, create_old_triggers, elidable=False),
        migrations.CreateModel(
            name="LogBundlePart",
            fields=[
                (
                    "first",
                    exchange.registry.models.LogIndexField(
                        primary_key=True, serialize=False, verbose_name="first entry"
                    ),
                ),
                ("count", models.PositiveSmallIntegerField(verbose_name="entries")),
                ("data", models.BinaryField(verbose_name="entry bytes")),
            ],
            options={
                "verbose_name": "log entries (part of a bundle)",
                "verbose_name_plural": "log entries (parts of bundles)",
                "ordering": ["first"],
            },
        ),
        migrations.RunPython(entries_to_parts, parts_to_entries, elidable=False),
        migrations.DeleteModel(
            name="LogEntry",
        ),
        migrations.AddConstraint(
            model_name="logbundlepart",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("count__gte", 1),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.functions.math.Mod(models.F("first"), 256),
                            "+",
                            models.F("count"),
                        ),
                        256,
                    ),
                ),
                name="registry_logbundlepart_within_one_bundle",
            ),
        ),
        migrations.RunPython(create_triggers, drop_new_triggers, elidable=False),
    ]
