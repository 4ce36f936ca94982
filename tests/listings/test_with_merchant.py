"""A merchant's standing carries its sale items: suspended, reinstated and delisted with it."""

import pytest

from exchange.registry.models import Action
from exchange.registry.services import amend_certificate
from listings import selectors, services
from listings.errors import NotListable
from listings.models import Board, CatalogEntry, Decision
from listings.states import ListingStatus
from merchants import services as merchants
from merchants.states import MerchantStatus
from tests.factories import create_version
from tests.listings.conftest import passing_checklist, register

L = ListingStatus


def listed_item(seller, reviewers, **sheet):
    version = register(create_version(seller, **sheet), seller, reviewers)
    listing = services.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
    )
    services.claim_listing(listing=listing, actor=reviewers["committee"])
    services.decide_listing_review(
        listing=listing,
        actor=reviewers["committee"],
        decision=Decision.APPROVE,
        checklist=passing_checklist("listing"),
    )
    listing.refresh_from_db()
    return listing


def test_suspending_a_merchant_suspends_its_listings_and_reinstating_restores_them(
    seller, reviewers
):
    # given two listed items, one of which an operator suspends on its own account
    operator = reviewers["registration"]
    kept, held = listed_item(seller, reviewers), listed_item(seller, reviewers, name="第二个产品")
    services.suspend_listing(listing=held, actor=operator, reason="样本更新延迟")
    merchant = kept.product.merchant
    # when the merchant is suspended
    merchants.suspend_merchant(merchant=merchant, actor=operator, reason="资质复核")
    # then its listed item leaves the catalogue, with an event naming why
    kept.refresh_from_db()
    assert (kept.status, kept.held_with_merchant) == (L.SUSPENDED, True)
    assert not CatalogEntry.objects.filter(listing=kept).exists()
    event = kept.events.latest("occurred_at", "id")
    assert (event.kind, event.actor, event.reason) == (
        "suspend_with_merchant",
        operator,
        "资质复核",
    )
    assert list(selectors.search_catalog()) == []
    # when it is reinstated, only what the suspension took off goes back on sale
    merchants.reinstate_merchant(merchant=merchant, actor=operator, reason="复核通过")
    kept.refresh_from_db()
    held.refresh_from_db()
    assert (kept.status, kept.held_with_merchant) == (L.LISTED, False)
    assert kept.events.latest("occurred_at", "id").kind == "reinstate_with_merchant"
    assert held.status == L.SUSPENDED
    assert [e.listing_id for e in selectors.search_catalog()] == [kept.pk]


def test_a_terminated_merchants_listings_are_delisted(seller, reviewers):
    operator = reviewers["registration"]
    listing = listed_item(seller, reviewers)
    merchants.terminate_merchant(
        merchant=listing.product.merchant, actor=operator, reason="协议终止"
    )
    listing.refresh_from_db()
    assert listing.status == L.DELISTED
    assert listing.events.latest("occurred_at", "id").kind == "delist_with_merchant"


def test_an_item_held_with_its_merchant_cannot_be_put_back_on_sale_alone(seller, reviewers):
    from listings.errors import MerchantNotActive

    operator = reviewers["registration"]
    listing = listed_item(seller, reviewers)
    merchants.suspend_merchant(merchant=listing.product.merchant, actor=operator, reason="复核")
    with pytest.raises(MerchantNotActive):
        services.reinstate_listing(listing=listing, actor=operator)
    listing.refresh_from_db()
    assert listing.status == L.SUSPENDED
    assert listing.product.merchant.status == MerchantStatus.SUSPENDED


def test_a_cancelled_registration_is_not_listed(seller, reviewers):
    version = register(create_version(seller), seller, reviewers)
    amend_certificate(
        original=version.certificate,
        action=Action.CANCELLATION,
        reason="权利人申请注销",
        actor=reviewers["registration"],
    )
    with pytest.raises(NotListable) as refused:
        services.apply_for_listing(
            product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
        )
    assert [p.code for p in refused.value.problems] == ["registration_not_valid"]
    assert not version.product.listings.exists()
    page = selectors.version_page(version, seller)
    assert (page.certificate_status, page.can_list, page.can_start_version) == (
        "cancelled",
        False,
        False,
    )
