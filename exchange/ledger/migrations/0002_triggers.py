"""The database's own guard of the ledger: append-only tables and the transfer insert check
(exchange/ledger/triggers.py)."""

from django.db import migrations


def create_triggers(apps, schema_editor):
    from exchange.ledger import triggers

    triggers.create(schema_editor)


def drop_triggers(apps, schema_editor):
    from exchange.ledger import triggers

    triggers.drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
