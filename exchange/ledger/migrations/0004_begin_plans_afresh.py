"""ledger_begin plans its statements afresh on each call: a plan a session kept from when the
table was small checked a batch's keys by scanning the whole table for each (triggers.py)."""

from django.db import migrations


def create_begin(apps, schema_editor):
    from exchange.ledger import triggers

    triggers.create_begin(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_lean_indexes_statement_check")]

    operations = [migrations.RunPython(create_begin, migrations.RunPython.noop)]
