"""The ledger in JSON: amounts as strings with the currency's places ("1234.50") beside it."""

from decimal import Decimal

from rest_framework import serializers

from exchange.ledger.models import Account, Transfer
from exchange.money import MINOR_UNITS, Money


class AccountSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.name", default=None, read_only=True)
    purpose_label = serializers.CharField(source="get_purpose_display", read_only=True)
    posted = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    held = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = [
            "id",
            "owner",
            "purpose",
            "purpose_label",
            "currency",
            "posted",
            "available",
            "held",
            "debits_must_not_exceed_credits",
            "credits_must_not_exceed_debits",
        ]

    def _balances(self, account):
        return self.context["balances"][account.pk]

    def get_posted(self, account) -> str:
        return self._balances(account).posted.to_api()

    def get_available(self, account) -> str:
        return self._balances(account).available.to_api()

    def get_held(self, account) -> str:
        return self._balances(account).held.to_api()


class TransferSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    pending = serializers.IntegerField(source="pending_id", read_only=True, allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", read_only=True, allow_null=True)
    debit_account = serializers.IntegerField(source="debit_account_id", read_only=True)
    credit_account = serializers.IntegerField(source="credit_account_id", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "key",
            "kind",
            "code",
            "debit_account",
            "credit_account",
            "amount",
            "currency",
            "pending",
            "reverses",
            "expires_at",
            "chain",
            "memo",
            "reference",
            "booked_at",
            "business_date",
        ]

    def get_amount(self, transfer) -> str:
        return transfer.money.to_api()


class StatementLineSerializer(serializers.Serializer):
    transfer = TransferSerializer()
    debit = serializers.SerializerMethodField()
    credit = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()
    held = serializers.SerializerMethodField()

    def get_debit(self, line) -> str | None:
        return line.debit.to_api() if line.debit else None

    def get_credit(self, line) -> str | None:
        return line.credit.to_api() if line.credit else None

    def get_balance(self, line) -> str:
        return line.balance.to_api()

    def get_held(self, line) -> str:
        return line.held.to_api()


class BankMoveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.ChoiceField(choices=list(MINOR_UNITS), default="CNY")

    def money(self) -> Money:
        return Money(self.validated_data["amount"], self.validated_data["currency"])


class BankRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="hold.pk")
    code = serializers.CharField()
    state = serializers.ChoiceField(choices=["requested", "confirmed", "rejected", "expired"])
    state_label = serializers.CharField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField(source="hold.currency")
    requested_at = serializers.DateTimeField(source="hold.booked_at")
    decided_at = serializers.DateTimeField(
        source="decision.booked_at", default=None, allow_null=True
    )
    hold = TransferSerializer()
    decision = TransferSerializer(allow_null=True)

    def get_amount(self, request) -> str:
        return request.hold.money.to_api()


class ReconcileSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    figures = serializers.DictField(child=serializers.CharField())
    summary = serializers.CharField(allow_null=True)
