"""A product's name enters the catalogue and its certificate: visible characters only."""

import pytest
from django.core.exceptions import ValidationError

from listings import services as listings
from listings.models import ProductVersion
from tests.conftest import api_client_for
from tests.factories import create_version

pytestmark = pytest.mark.django_db


def test_a_product_name_is_checked(seller):
    version = create_version(seller)
    name = version.name
    response = api_client_for(seller).patch(
        f"/api/product-versions/{version.pk}/", {"name": "企业\u202e数据"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"
    assert response.json()["errors"][0]["code"] == "control_character"
    version.refresh_from_db()
    assert version.name == name
    with pytest.raises(ValidationError):
        listings.create_product(
            actor=seller,
            merchant=seller.organisation.merchants.get(),
            name="坏\x00名",
            product_type="dataset",
        )
    assert ProductVersion.objects.count() == 1
