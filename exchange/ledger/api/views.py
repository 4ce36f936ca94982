"""/api/ledger/: accounts, statements, transfers, deposits and withdrawals, reconciliation.

An organisation sees its own; settlement operators and auditors see all; a row out of sight is
404. Deposits and withdrawals take an ``Idempotency-Key`` header (required): a retry returns the
first request.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.api.idempotency import HEADER, IDEMPOTENCY_KEY_PARAMETER, idempotency_key
from exchange.errors import PermissionDeniedError, RuleViolation
from exchange.ledger import bank, permissions, selectors, services
from exchange.ledger.api.serializers import (
    AccountSerializer,
    BankMoveSerializer,
    BankRequestSerializer,
    ReconcileSerializer,
    StatementLineSerializer,
    TransferSerializer,
)
from exchange.ledger.reconcile import reconcile


class AccountViewSet(viewsets.GenericViewSet):
    """Ledger accounts with their balances (posted, available, held), as strings."""

    serializer_class = AccountSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["purpose", "currency"]

    def get_queryset(self):
        return selectors.accounts_visible_to(self.request.user)

    def _data(self, accounts, **options):
        context = {**self.get_serializer_context(), "balances": services.balances(accounts)}
        return AccountSerializer(accounts, context=context, **options).data

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._data(page, many=True))

    def retrieve(self, request, pk=None):
        account = self.get_object()
        return Response(self._data([account], many=True)[0])

    @extend_schema(responses=StatementLineSerializer(many=True), summary="The account's statement")
    @action(detail=True, methods=["get"])
    def statement(self, request, pk=None):
        account = self.get_object()
        page = self.paginate_queryset(selectors.statement(account))
        return self.get_paginated_response(StatementLineSerializer(page, many=True).data)


class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TransferSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["kind", "code", "business_date", "currency"]

    def get_queryset(self):
        return selectors.transfers_visible_to(self.request.user)


class BankRequestViewSet(viewsets.GenericViewSet):
    """Deposits from and withdrawals to the (simulated) bank."""

    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = BankRequestSerializer
    code = ""

    def get_queryset(self):
        return selectors.bank_holds_visible_to(self.request.user).filter(code=self.code)

    @extend_schema(responses=BankRequestSerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        data = BankRequestSerializer(bank.requests(page), many=True).data
        return self.get_paginated_response(data)

    @extend_schema(responses=BankRequestSerializer)
    def retrieve(self, request, pk=None):
        hold = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(BankRequestSerializer(bank.request_of(hold)).data)

    @extend_schema(
        request=BankMoveSerializer,
        responses={201: BankRequestSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        # The body first: its depth and form are checked before the header.
        data = BankMoveSerializer(data=request.data)
        key = idempotency_key(request)
        if not key:
            raise RuleViolation(
                "Send an Idempotency-Key header: 1–255 visible ASCII characters, the same on a retry.",
                code="required",
                field=HEADER,
            )
        data.is_valid(raise_exception=True)
        organisation = request.user.organisation
        ask = bank.request_deposit if self.code == bank.DEPOSIT else bank.request_withdrawal
        hold = ask(actor=request.user, organisation=organisation, amount=data.money(), key=key)
        return Response(
            BankRequestSerializer(bank.request_of(hold)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=BankRequestSerializer, summary="Confirm (settlement)")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._decide(request, pk, bank.confirm)

    @extend_schema(request=None, responses=BankRequestSerializer, summary="Reject (settlement)")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, bank.reject)

    def _decide(self, request, pk, decide):
        hold = get_object_or_404(self.get_queryset(), pk=pk)
        decide(actor=request.user, hold=hold)
        return Response(BankRequestSerializer(bank.request_of(hold)).data)


class DepositViewSet(BankRequestViewSet):
    code = bank.DEPOSIT


class WithdrawalViewSet(BankRequestViewSet):
    code = bank.WITHDRAWAL


class ReconcileView(APIView):
    permission_classes = [drf_permissions.IsAuthenticated]

    serializer_class = ReconcileSerializer

    @extend_schema(
        responses=ReconcileSerializer,
        summary="Reconcile the ledger (settlement operators and auditors)",
    )
    def get(self, request):
        if not permissions.sees_all(request.user):
            raise PermissionDeniedError("Only settlement operators and auditors reconcile.")
        report = reconcile()
        return Response(
            {
                "ok": report.ok,
                "problems": report.problems,
                "figures": report.figures,
                "summary": report.summary() if report.ok else None,
            }
        )
