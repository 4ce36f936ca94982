"""Product and catalogue lists cost the same number of queries for 1 row and for several."""

import pytest
from django.db import connection
from django.test import Client

from listings import services
from listings.models import Board
from tests.conftest import api_client_for
from tests.factories import create_version
from tests.listings.conftest import passing_checklist, register
from tests.test_query_budgets import queries

pytestmark = pytest.mark.django_db


def list_one_more(seller, reviewers, number):
    version = register(create_version(seller, name=f"数据产品{number}"), seller, reviewers)
    listing = services.apply_for_listing(
        product=version.product, actor=seller, boards=[Board.objects.get(code="credit")]
    )
    review = services.claim_listing(listing=listing, actor=reviewers["committee"])
    services.decide_listing_review(
        listing=review.listing,
        actor=reviewers["committee"],
        decision="approve",
        checklist=passing_checklist("listing"),
    )


@pytest.mark.parametrize(
    "path", ["/api/catalog/", "/api/product-versions/", "/api/listings/", "/catalog/", "/products/"]
)
def test_lists_cost_the_same_for_one_and_several_rows(seller, reviewers, path):
    list_one_more(seller, reviewers, 1)
    if path.startswith("/api/"):
        client = api_client_for(seller)
    else:
        client = Client()
        client.force_login(seller)
    one = queries(lambda: client.get(path))
    for number in range(2, 5):
        list_one_more(seller, reviewers, number)
    assert queries(lambda: client.get(path)) == one
    assert connection.vendor in ("sqlite", "postgresql")
