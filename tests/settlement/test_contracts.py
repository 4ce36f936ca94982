"""Changing a formed contract: one party proposes an amendment or an early end, the other agrees or
rejects it; an agreed change is registered against the contract's certificate and applied (a new
scenario; the end of the buyer's access and of any renewal). One proposal at a time."""

import pytest
from django.test import Client

from exchange.errors import ConflictError, DuplicateError, PermissionDeniedError, RuleViolation
from exchange.registry.models import Action as RegistryAction
from exchange.registry.selectors import verify_certificate
from exchange.registry.status import status_of
from listings.models import Scenario
from settlement import clearing, contracts, deliveries, services
from settlement.models import GatewayAccess
from settlement.states import OrderStatus
from tests.conftest import api_client_for
from tests.settlement.test_delivery_modes import gateway, offer, upload
from tests.settlement.test_orders import package, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleared(listed, funded_buyer, seller):
    offer(listed, "api", "file")
    order = paid_order(listed, funded_buyer)
    deliveries.deliver(order, actor=seller, upload=upload(), mode="api")
    services.accept_order(order, actor=funded_buyer)
    clearing.clear_order(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLEARED
    return order


def test_an_agreed_amendment_is_registered_against_the_contract(cleared, funded_buyer, seller):
    other = cleared.listing.product.registered_version.scenarios.exclude(pk=cleared.scenario_id)
    scenario = other.first() or Scenario.objects.exclude(pk=cleared.scenario_id).first()
    cleared.listing.product.registered_version.scenarios.add(scenario)
    change = contracts.propose(
        cleared,
        actor=seller,
        kind="amend",
        clauses="第 5 条：数据可用于集团内部风险管理。",
        scenario=scenario,
    )
    with pytest.raises(PermissionDeniedError):
        contracts.agree(change, actor=seller)  # the proposer does not agree with itself
    change = contracts.agree(change, actor=funded_buyer)
    original = cleared.contract.certificate
    registration = change.certificate
    assert registration.action == RegistryAction.CHANGE and registration.original == original
    assert registration.subject_type == "settlement.contract_change"
    assert verify_certificate(registration).ok and status_of(original) == "changed"
    cleared.refresh_from_db()
    assert cleared.scenario == scenario
    assert cleared.events.filter(kind="contract_changed").exists()


def test_an_early_end_closes_the_data_and_the_renewal(cleared, funded_buyer, seller):
    _access, key = deliveries.issue_key(cleared, actor=funded_buyer)
    assert gateway(key, cleared).status_code == 200
    change = contracts.propose(
        cleared, actor=funded_buyer, kind="end_early", clauses="业务调整，提前终止。"
    )
    assert gateway(key, cleared).status_code == 200  # until the merchant agrees
    contracts.agree(change, actor=seller)
    cleared.refresh_from_db()
    assert cleared.contract.ended_at is not None and not cleared.auto_renew
    assert cleared.period_end == cleared.contract.ended_at
    assert GatewayAccess.objects.get(order=cleared).valid_until == cleared.contract.ended_at
    refused = gateway(key, cleared)
    assert refused.status_code == 403 and refused.json()["code"] == "order_closed"
    with pytest.raises(ConflictError):  # an ended contract changes no more
        contracts.propose(cleared, actor=seller, kind="amend", clauses="再改")


def test_one_proposal_at_a_time_and_the_proposer_may_withdraw(cleared, funded_buyer, seller):
    change = contracts.propose(cleared, actor=seller, kind="amend", clauses="第 3 条")
    with pytest.raises(DuplicateError):
        contracts.propose(cleared, actor=funded_buyer, kind="amend", clauses="第 4 条")
    with pytest.raises(PermissionDeniedError):
        contracts.withdraw(change, actor=funded_buyer)
    contracts.withdraw(change, actor=seller)
    again = contracts.propose(cleared, actor=funded_buyer, kind="amend", clauses="第 4 条")
    with pytest.raises(RuleViolation) as refused:
        contracts.reject(again, actor=seller, reason="")
    assert refused.value.field == "reason"
    contracts.reject(again, actor=seller, reason="不同意")
    again.refresh_from_db()
    assert again.status == "rejected" and again.certificate is None


def test_bad_proposals_are_refused_naming_the_field(listed, funded_buyer, seller, other_applicant):
    order = paid_order(listed, funded_buyer)
    with pytest.raises(PermissionDeniedError):
        contracts.propose(order, actor=other_applicant, kind="amend", clauses="x")
    for kind, clauses, field in (("rewrite", "x", "kind"), ("amend", " ", "clauses")):
        with pytest.raises(RuleViolation) as refused:
            contracts.propose(order, actor=seller, kind=kind, clauses=clauses)
        assert refused.value.field == field
    with pytest.raises(RuleViolation) as refused:  # before clearing: cancel or dispute instead
        contracts.propose(order, actor=seller, kind="end_early", clauses="终止")
    assert refused.value.code == "not_cleared"


def test_the_api_and_the_page_run_a_change(cleared, funded_buyer, seller):
    buyer = api_client_for(funded_buyer)
    created = buyer.post(
        f"/api/orders/{cleared.pk}/changes/",
        {"kind": "end_early", "clauses": "提前终止"},
        format="json",
    )
    assert created.status_code == 201, created.content
    change = created.json()
    assert change["actions"] == ["withdraw"]
    merchant = Client()
    merchant.force_login(seller)
    page = merchant.get(f"/orders/{cleared.pk}/").content.decode()
    assert 'data-action="change-agree"' in page and 'data-testid="change-form"' not in page
    merchant.post(f"/orders/{cleared.pk}/changes/{change['id']}/agree/")
    listed = buyer.get(f"/api/orders/{cleared.pk}/changes/").json()
    assert listed[0]["status"] == "agreed" and listed[0]["certificate"].startswith("TX-")
    page = merchant.get(f"/orders/{cleared.pk}/").content.decode()
    assert 'data-testid="contract-ended"' in page


def test_a_file_delivery_cannot_be_downloaded_after_an_early_end(listed, funded_buyer, seller):
    order = paid_order(listed, funded_buyer)
    delivery = deliveries.deliver(order, actor=seller, upload=package())
    services.accept_order(order, actor=funded_buyer)
    clearing.clear_order(order)
    change = contracts.propose(order, actor=seller, kind="end_early", clauses="终止")
    contracts.agree(change, actor=funded_buyer)
    token = deliveries.download_token(delivery, funded_buyer)
    with pytest.raises(PermissionDeniedError):
        deliveries.delivery_for_download(delivery.pk, token, user=funded_buyer)
