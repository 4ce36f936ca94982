"""The operators' admin: every model has its page; audit rows cannot be changed there."""

import pytest
from django.contrib import admin
from django.test import Client

from merchants.states import MerchantStatus
from tests.factories import merchant_in

S = MerchantStatus
APPEND_ONLY = {
    "accounts.InvitationEvent",
    "listings.ObjectionEvent",
    "merchants.MerchantEvent",
    "merchants.Agreement",
    "merchants.MerchantDocument",
    "exchange.Notification",
}


def test_every_model_of_ours_is_in_the_admin():
    from django.apps import apps

    ours = [
        m for m in apps.get_models() if m._meta.app_label in {"exchange", "accounts", "merchants"}
    ]
    assert [m._meta.label for m in ours if m not in admin.site._registry] == []


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(APPEND_ONLY))
def test_audit_rows_cannot_be_added_changed_or_deleted_in_the_admin(label, operator):
    from django.apps import apps
    from django.test import RequestFactory

    model_admin = admin.site._registry[apps.get_model(label)]
    request = RequestFactory().get("/")
    request.user = operator
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.django_db
def test_admin_pages_render_for_an_operator(operator, applicant):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    client = Client()
    client.force_login(operator)
    for path in [
        "/admin/merchants/merchant/",
        f"/admin/merchants/merchant/{merchant.pk}/change/",
        "/admin/merchants/merchantevent/",
        "/admin/accounts/user/",
        "/admin/accounts/organisation/",
        "/admin/exchange/notification/",
    ]:
        assert client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_admin_action_with_a_reason_asks_for_it_first(operator, applicant):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    client = Client()
    client.force_login(operator)
    ask = client.post(
        "/admin/merchants/merchant/",
        {"action": "reject_application", "_selected_action": [merchant.pk]},
    )
    assert ask.status_code == 200
    assert "reason" in ask.content.decode()
    merchant.refresh_from_db()
    assert merchant.status == S.UNDER_REVIEW
    done = client.post(
        "/admin/merchants/merchant/",
        {
            "action": "reject_application",
            "_selected_action": [merchant.pk],
            "apply": "1",
            "reason": "资料不全",
        },
    )
    assert done.status_code == 302
    merchant.refresh_from_db()
    assert merchant.status == S.REJECTED
    assert merchant.events.last().reason == "资料不全"
