"""Invitations move through the lifecycle helper: events, a page with its timeline, its actions."""

from datetime import timedelta

import pytest
from django.test import Client

from exchange import clock
from exchange.accounts import services
from exchange.accounts.roles import Role
from exchange.errors import InvalidTransition
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_user(role=Role.MERCHANT_ADMIN)


def invite(admin, email="colleague@example.com"):
    return services.invite_member(
        organisation=admin.organisation, email=email, role=Role.MERCHANT_STAFF, actor=admin
    )


def test_each_move_of_an_invitation_is_an_event(admin):
    accepted, revoked, lapsed = (
        invite(admin),
        invite(admin, "b@example.com"),
        invite(admin, "c@example.com"),
    )
    user = services.accept_invitation(token=accepted.token, username="colleague", password=PASSWORD)
    services.revoke_invitation(invitation=revoked, actor=admin)
    clock.set_simulated_time(at=lapsed.expires_at + timedelta(minutes=1))
    assert services.expire_invitations() == 1
    assert services.expire_invitations() == 0  # beat may run it twice
    trail = {
        i.email: [(e.kind, e.to_status, e.actor) for e in i.events.order_by("id")]
        for i in (accepted, revoked, lapsed)
    }
    assert trail == {
        "colleague@example.com": [("invited", "pending", admin), ("accept", "accepted", user)],
        "b@example.com": [("invited", "pending", admin), ("revoke", "revoked", admin)],
        "c@example.com": [("invited", "pending", admin), ("expire", "expired", None)],
    }


def test_a_revoked_invitation_cannot_be_revoked_again_and_nothing_changes(admin):
    invitation = invite(admin)
    services.revoke_invitation(invitation=invitation, actor=admin)
    with pytest.raises(InvalidTransition) as refused:
        services.revoke_invitation(invitation=invitation, actor=admin)
    assert (refused.value.http_status, invitation.events.count()) == (409, 2)


def test_the_invitation_page_shows_its_timeline_and_offers_revoke_to_its_admin(admin):
    invitation = invite(admin)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/accounts/invitations/{invitation.pk}/")
    assert [b.slug for b in page.context["buttons"]] == ["revoke"]
    assert 'data-testid="events"' in page.content.decode()
    response = client.post(f"/accounts/invitations/{invitation.pk}/revoke/", follow=True)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert any(m.level_tag == "success" for m in response.context["messages"])
    assert client.get(f"/accounts/invitations/{invitation.pk}/").context["buttons"] == []
    # another organisation's admin does not find it
    other = Client()
    other.force_login(make_user(role=Role.MERCHANT_ADMIN))
    assert other.get(f"/accounts/invitations/{invitation.pk}/").status_code == 404
