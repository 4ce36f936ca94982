"""The description sheet is defined once (listings.sheet); every copy follows it (issue 8 §4)."""

from listings import selectors, services, sheet
from listings.api.serializers import SheetInputSerializer
from listings.forms import SheetForm
from listings.models import ProductVersion
from tests.factories import create_version
from tests.listings.conftest import register


def test_the_page_form_and_the_api_input_hold_exactly_the_sheet():
    assert list(SheetForm.base_fields) == list(sheet.FIELD_NAMES)
    assert set(SheetInputSerializer().fields) == {*sheet.FIELD_NAMES, "plans"}
    assert set(services.products.SHEET_FIELDS) | {"scenarios"} == set(sheet.FIELD_NAMES)


def test_every_sheet_field_is_a_column_of_the_version_with_a_label():
    for name in sheet.FIELD_NAMES:
        assert ProductVersion._meta.get_field(name).verbose_name
    assert len({f.key for f in sheet.SHEET}) == len(sheet.SHEET)


def test_the_cross_border_fields_are_registered_and_diffed(seller, reviewers):
    version = register(
        create_version(
            seller,
            is_cross_border=True,
            personal_information_people=50_000,
            sensitive_information_people=0,
        ),
        seller,
        reviewers,
    )
    content = version.certificate.content_data["sheet"]
    assert content["cross_border"] is True
    assert content["export"] == {
        "exporter_is_ciio": False,
        "personal_information_people": 50_000,
        "sensitive_information_people": 0,
    }
    assert content["coverage"] == {"from": "", "to": "", "space": "长三角"}
    draft = services.start_new_version(product=version.product, actor=seller)
    services.update_version(
        version=draft, actor=seller, exporter_is_ciio=True, personal_information_people=150_000
    )
    changed = {
        c.field: c for c in selectors.version_diff(version, ProductVersion.objects.get(pk=draft.pk))
    }
    assert set(changed) == {"exporter_is_ciio", "personal_information_people"}
    assert (
        changed["personal_information_people"].old,
        changed["personal_information_people"].new,
    ) == ("50000", "150000")
