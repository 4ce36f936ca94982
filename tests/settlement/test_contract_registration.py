"""Contracts in the certificate log, batched (Tessera-style): an order's contract is sequenced in
the order's transaction without the log's head lock, and the integrator appends everything
sequenced since its last run under one signed checkpoint once the transaction commits; the
certificate then carries its number, log entry and proof. The order page shows both moments."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from exchange.registry import services as registry
from exchange.registry.models import SequencedRegistration
from exchange.registry.selectors import verify_certificate
from settlement import services
from settlement.models import Contract
from tests.settlement.test_orders import place

pytestmark = [
    pytest.mark.batched_registry,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_contract_is_sequenced_in_the_order_and_integrated_once_it_commits(listed, funded_buyer):
    with transaction.atomic():
        first = place(funded_buyer, listed)
        second = place(funded_buyer, listed)
        pending = SequencedRegistration.objects.filter(certificate__isnull=True)
        assert pending.count() == 2  # sequenced, not yet in the log
        assert Contract.objects.get(order=first).certificate is None
    contracts = [
        Contract.objects.select_related("certificate").get(order=o) for o in (first, second)
    ]
    certificates = [contract.certificate for contract in contracts]
    assert all(c is not None and c.proof for c in certificates)
    assert certificates[0].checkpoint_id == certificates[1].checkpoint_id  # one append, one note
    assert certificates[1].log_index == certificates[0].log_index + 1  # in sequence order
    assert all(verify_certificate(c).ok for c in certificates)
    assert registry.integrate_pending() == 0
    client = Client()
    client.force_login(funded_buyer)
    page = client.get(f"/orders/{first.pk}/").content.decode()
    assert 'data-testid="certificate"' in page and certificates[0].number in page


def test_a_batch_larger_than_one_integration_goes_in_whole(listed, funded_buyer, monkeypatch):
    monkeypatch.setattr(registry, "INTEGRATION_BATCH", 2)
    version = listed.product.registered_version
    request = services.OrderRequest(
        funded_buyer, listed, listed.plans.get(kind="monthly"), version.scenarios.first()
    )
    orders = services.place_orders([request] * 5)  # the integrator runs once this commits
    contracts = Contract.objects.filter(order__in=orders).select_related("certificate")
    assert all(contract.certificate is not None for contract in contracts)
    # Two, two and one: three appends, three checkpoints.
    assert len({contract.certificate.checkpoint_id for contract in contracts}) == 3


def test_an_amendment_waits_for_its_contract_in_the_log(listed, funded_buyer):
    with transaction.atomic():
        order = place(funded_buyer, listed)
        # a registration that must follow the contract integrates the queue first
        certificate = services.contract_certificate(order)
        assert certificate is not None and certificate.proof
    assert SequencedRegistration.objects.filter(certificate__isnull=True).count() == 0


@pytest.mark.postgres
def test_an_order_does_not_wait_for_the_logs_head_lock(listed, funded_buyer):
    holding, release = threading.Event(), threading.Event()

    def hold_the_head():
        try:
            with transaction.atomic():
                registry.log.lock_head()
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_head)
    holder.start()
    assert holding.wait(timeout=10)
    try:
        started = time.perf_counter()
        with transaction.atomic():
            order = place(funded_buyer, listed)
            inside = time.perf_counter() - started
            release.set()  # the integrator, on commit, takes the lock after the holder
    finally:
        release.set()
        holder.join(timeout=30)
    assert inside < 5, f"the order's transaction waited {inside:.1f} s on the log"
    contract = Contract.objects.select_related("certificate").get(order=order)
    assert contract.certificate is not None and verify_certificate(contract.certificate).ok


def test_reconcile_names_a_contract_the_integrator_left_behind(listed, funded_buyer):
    from datetime import timedelta

    from exchange import clock
    from exchange.ledger.reconcile import reconcile

    order = place(funded_buyer, listed)  # committed: the integrator ran
    assert reconcile().ok
    # as if the integrator had never run for it: the contract without its certificate
    Contract.objects.filter(order=order).update(certificate=None)
    assert reconcile().ok  # within the grace period
    clock.set_simulated_time(at=clock.now() + timedelta(minutes=10))
    report = reconcile()
    assert any(f"order {order.pk}: its contract is still not" in p for p in report.problems)
