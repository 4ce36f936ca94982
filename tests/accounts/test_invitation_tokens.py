"""An invitation link's secret is e-mailed, never stored: the database keeps its SHA-256."""

import hashlib
import importlib
import re

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client

from exchange.accounts import services
from exchange.accounts.errors import InvitationNotUsable
from exchange.accounts.models import Invitation, User
from exchange.accounts.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-pass-2026"


def invite(admin, email="colleague@example.com"):
    return services.invite_member(
        organisation=admin.organisation, email=email, role=Role.MERCHANT_STAFF, actor=admin
    )


def test_only_the_hash_of_the_link_is_stored(django_capture_on_commit_callbacks):
    admin = make_user(role=Role.MERCHANT_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(admin)
    token = re.search(r"/accounts/invite/([\w-]+)/", mail.outbox[0].body).group(1)
    assert token == invitation.token
    stored = Invitation.objects.values().get(pk=invitation.pk)
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(stored)
    # the link opens it; the stored hash does not
    assert Client().get(f"/accounts/invite/{token}/").status_code == 200
    assert Client().get(f"/accounts/invite/{stored['token_hash']}/").status_code == 410
    with pytest.raises(InvitationNotUsable):
        services.accept_invitation(token=stored["token_hash"], username="thief", password=PASSWORD)
    assert not User.objects.filter(username="thief").exists()


def test_the_e_mail_task_sends_nothing_for_a_secret_that_is_not_the_invitations():
    admin = make_user(role=Role.MERCHANT_ADMIN)
    invitation = invite(admin)
    assert services.email_invitation(invitation_id=invitation.pk, token="forged") is False
    assert mail.outbox == []
    assert services.email_invitation(invitation_id=invitation.pk, token=invitation.token) is True
    assert len(mail.outbox) == 1


def test_the_migration_hashes_the_secrets_stored_before_it():
    migration = importlib.import_module(
        "exchange.accounts.migrations.0003_hashed_invitation_tokens_unique_logins"
    )
    admin = make_user(role=Role.MERCHANT_ADMIN)
    invitation = invite(admin)
    legacy = "legacy-secret-e-mailed-before-the-migration"
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=legacy)  # as 0002 stored it
    migration.hash_existing_tokens(apps, None)
    invitation.refresh_from_db()
    assert invitation.token_hash == hashlib.sha256(legacy.encode()).hexdigest()
    # the link e-mailed before the migration still works
    member = services.accept_invitation(token=legacy, username="late", password=PASSWORD)
    assert member.organisation == admin.organisation
