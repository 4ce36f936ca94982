"""Fewer indexes on transfers, which are written once and read by account, day, key and pending
transfer: the account foreign keys are covered by the (account, id) indexes, the pending one by
its unique index; the key's uniqueness becomes a constraint (no second LIKE index on PostgreSQL);
the actor is never looked up by. The triggers are set aside while SQLite remakes the table, and
come back in their current form: on PostgreSQL the insert check now runs once per statement."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_triggers(apps, schema_editor):
    from exchange.ledger import triggers

    triggers.create(schema_editor)


def drop_triggers(apps, schema_editor):
    from exchange.ledger import triggers

    triggers.drop(schema_editor)


def foreign_key(to, name, **options):
    return models.ForeignKey(
        to,
        db_index=False,
        on_delete=django.db.models.deletion.PROTECT,
        verbose_name=name,
        **options,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_triggers, create_triggers, elidable=False),
        migrations.AlterField(
            model_name="transfer",
            name="actor",
            field=foreign_key(
                settings.AUTH_USER_MODEL, "actor", blank=True, null=True, related_name="+"
            ),
        ),
        migrations.AlterField(
            model_name="transfer",
            name="credit_account",
            field=foreign_key("ledger.account", "credit account", related_name="+"),
        ),
        migrations.AlterField(
            model_name="transfer",
            name="debit_account",
            field=foreign_key("ledger.account", "debit account", related_name="+"),
        ),
        migrations.AlterField(
            model_name="transfer",
            name="key",
            field=models.CharField(max_length=255, verbose_name="idempotency key"),
        ),
        # Django drops the partial unique index on pending with the field's own index: take it
        # out and put it back, so that the model state says what the database holds.
        migrations.RemoveConstraint(model_name="transfer", name="ledger_transfer_resolved_once"),
        migrations.AlterField(
            model_name="transfer",
            name="pending",
            field=foreign_key(
                "ledger.transfer",
                "pending transfer",
                blank=True,
                null=True,
                related_name="resolutions",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.UniqueConstraint(
                condition=models.Q(pending__isnull=False),
                fields=("pending",),
                name="ledger_transfer_resolved_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.UniqueConstraint(fields=("key",), name="ledger_transfer_key_unique"),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
