import pytest
from django.apps import apps
from django.core.management import call_command

from exchange import clock
from exchange.accounts.models import User
from exchange.accounts.roles import Role
from merchants.models import Merchant
from merchants.states import MerchantStatus
from seeds.demo import DEMO_PASSWORD


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_covers_every_role_and_state_and_is_idempotent():
    call_command("seed_demo", verbosity=0)
    assert set(Merchant.objects.values_list("status", flat=True)) == set(MerchantStatus.values)
    assert set(User.objects.exclude(role="").values_list("role", flat=True)) == set(Role.values)
    assert not clock.is_simulated()
    operator = User.objects.get(username="operator")
    assert operator.check_password(DEMO_PASSWORD) and operator.is_staff
    # the demo's ages look real: the queue holds applications submitted on different days
    submitted = Merchant.objects.filter(submitted_at__isnull=False).values_list(
        "submitted_at", flat=True
    )
    assert len({moment.date() for moment in submitted}) > 5
    # data products at every stage of the pipeline, and a listed product on every board
    from listings.models import Board, CatalogEntry, ProductVersion
    from listings.states import VersionStatus

    stages = set(ProductVersion.objects.values_list("status", flat=True))
    transient = {
        VersionStatus.SUBMITTED,
        VersionStatus.AUTO_CHECKS,
    }  # a worker moves these on at once
    assert stages == set(VersionStatus.values) - {s.value for s in transient}
    listed_boards = {
        code for entry in CatalogEntry.objects.all() for code in entry.board_codes.split()
    }
    assert listed_boards == set(Board.objects.values_list("code", flat=True))
    # the demo buyer's money: deposits (one waiting for the bank), an order paid into escrow and a
    # reversal, and a ledger that reconciles
    from exchange.ledger.models import Transfer
    from exchange.ledger.reconcile import reconcile

    codes = set(Transfer.objects.values_list("code", flat=True))
    assert {"deposit", "order_payment", "reversal", "subsidy", "service_fee"} <= codes
    from settlement.models import Dispute, Order, PayoutBatch
    from settlement.states import OrderStatus

    # Orders in every state but the two clearing passes through at once (accepted, decided).
    transient = {OrderStatus.ACCEPTED, OrderStatus.DECIDED}
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values) - {
        s.value for s in transient
    }
    assert PayoutBatch.objects.filter(status="settled", orders__isnull=False).exists()
    assert set(Dispute.objects.values_list("outcome", flat=True)) == {
        "",
        "refund_in_part",
        "refund_in_full",
    }
    assert Transfer.objects.filter(kind="pending", resolutions__isnull=True).exists()
    # deliveries by each mode the exchange runs: a file, the API gateway, privacy computing
    from settlement.models import Delivery, GatewayCall, PrivacyQuery

    assert set(Delivery.objects.values_list("mode", flat=True)) == {
        "file",
        "api",
        "privacy_computing",
    }
    assert GatewayCall.objects.filter(outcome="served").count() == 3
    assert PrivacyQuery.objects.filter(suppressed_groups__gt=0).exists()
    from settlement.models import Negotiation

    assert Negotiation.objects.filter(status="quoted").exists()
    report = reconcile()
    assert report.ok, report.problems
    before = row_counts()
    call_command("seed_demo", verbosity=0)
    assert row_counts() == before
