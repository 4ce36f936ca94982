"""Clearing and settlement: an order's trade value and buyer's fee, its clearing lines, the T+1
payout batches and their lines."""

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_invitation_events'),
        ('ledger', '0003_lean_indexes_statement_check'),
        ('listings', '0006_lifecycle_actions'),
        ('merchants', '0003_harden'),
        ('registry', '0008_settlement_batch_kind'),
        ('settlement', '0002_deliveries'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ClearingLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('value', 'Trade value'), ('buyer_fee', "Buyer's service fee"), ('merchant_fee', 'Exchange service fee'), ('assessor_fee', 'Compliance assessment fee'), ('trading_subsidy', 'Trading service-fee subsidy'), ('listing_subsidy', 'First registration and listing subsidy')], max_length=20, verbose_name='kind')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='amount')),
                ('currency', models.CharField(default='CNY', max_length=3, verbose_name='currency')),
                ('rule', models.CharField(blank=True, max_length=200, verbose_name='rule')),
            ],
            options={
                'verbose_name': 'clearing line',
                'verbose_name_plural': 'clearing lines',
                'ordering': ['order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='PayoutBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('business_date', models.DateField(unique=True, verbose_name='settlement date')),
                ('status', models.CharField(choices=[('open', 'Paying out'), ('settled', 'Settled')], default='open', max_length=10, verbose_name='status')),
                ('opened_at', models.DateTimeField(verbose_name='opened at')),
                ('settled_at', models.DateTimeField(blank=True, null=True, verbose_name='settled at')),
                ('total_amount', models.DecimalField(decimal_places=2, default=0, max_digits=18, verbose_name='paid out')),
                ('currency', models.CharField(default='CNY', max_length=3, verbose_name='currency')),
                ('digest', models.CharField(blank=True, max_length=64, verbose_name='digest of the lines')),
            ],
            options={
                'verbose_name': 'settlement batch',
                'verbose_name_plural': 'settlement batches',
                'ordering': ['-business_date'],
            },
        ),
        migrations.CreateModel(
            name='PayoutLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='amount')),
                ('currency', models.CharField(default='CNY', max_length=3, verbose_name='currency')),
                ('orders', models.PositiveIntegerField(verbose_name='orders')),
            ],
            options={
                'verbose_name': 'payout',
                'verbose_name_plural': 'payouts',
                'ordering': ['batch', 'id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='order',
            name='settlement_order_status_valid',
        ),
        migrations.AddField(
            model_name='order',
            name='buyer_fee_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18, verbose_name="buyer's service fee"),
        ),
        migrations.AddField(
            model_name='order',
            name='cleared_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='cleared at'),
        ),
        migrations.AddField(
            model_name='order',
            name='value_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18, verbose_name='trade value'),
            preserve_default=False,
        ),
        # Orders placed before fees: their total was the trade value.
        migrations.RunSQL(
            "UPDATE settlement_order SET value_amount = total_amount", migrations.RunSQL.noop
        ),
        migrations.AlterField(
            model_name='order',
            name='status',
            field=models.CharField(choices=[('contract_signed', 'Contract formed'), ('paid', 'Paid (held in escrow)'), ('delivered', 'Delivered'), ('accepted', 'Accepted'), ('cleared', 'Cleared'), ('settled', 'Settled'), ('cancelled', 'Cancelled')], default='contract_signed', editable=False, max_length=20, verbose_name='status'),
        ),
        migrations.AddField(
            model_name='clearingline',
            name='order',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='settlement.order', verbose_name='order'),
        ),
        migrations.AddField(
            model_name='clearingline',
            name='party',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='party'),
        ),
        migrations.AddField(
            model_name='clearingline',
            name='transfer',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.transfer', verbose_name='transfer'),
        ),
        migrations.AddField(
            model_name='payoutbatch',
            name='certificate',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.certificate', verbose_name='certificate'),
        ),
        migrations.AddField(
            model_name='order',
            name='batch',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='settlement.payoutbatch', verbose_name='settlement batch'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['contract_signed', 'paid', 'delivered', 'accepted', 'cleared', 'settled', 'cancelled'])), name='settlement_order_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(('buyer_fee_amount__gte', 0), ('total_amount', django.db.models.expressions.CombinedExpression(models.F('value_amount'), '+', models.F('buyer_fee_amount'))), ('value_amount__gt', 0)), name='settlement_order_total_adds_up'),
        ),
        migrations.AddField(
            model_name='payoutline',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.account', verbose_name='account'),
        ),
        migrations.AddField(
            model_name='payoutline',
            name='batch',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='settlement.payoutbatch', verbose_name='batch'),
        ),
        migrations.AddField(
            model_name='payoutline',
            name='payee',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='payee'),
        ),
        migrations.AddField(
            model_name='payoutline',
            name='transfer',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.transfer', verbose_name='payout'),
        ),
        migrations.AddConstraint(
            model_name='clearingline',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='settlement_line_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='payoutline',
            constraint=models.UniqueConstraint(fields=('batch', 'account'), name='settlement_payout_once'),
        ),
        migrations.AddConstraint(
            model_name='payoutline',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='settlement_payout_positive'),
        ),
    ]
