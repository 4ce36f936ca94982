"""The invitation lifecycle: pending until its link is used, revoked by an admin, or expired."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from exchange.accounts.permissions import can_invite
from exchange.lifecycle import Action, Lifecycle, by_system


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


I = InvitationStatus  # noqa: E741


def _link_holder(actor, invitation) -> bool:
    """The person the link was sent to: the login created from it, at the invited address."""
    return (
        actor is not None
        and actor.organisation_id == invitation.organisation_id
        and (actor.email or "").lower() == invitation.email.lower()
    )


def _inviter(actor, invitation) -> bool:
    return actor is not None and can_invite(actor, invitation.organisation, invitation.role)


INVITATION_LIFECYCLE = Lifecycle(
    status=InvitationStatus,
    initial=I.PENDING,
    main_path=(I.PENDING, I.ACCEPTED),
    actions=(
        Action("accept", _("Accept"), frozenset({I.PENDING}), I.ACCEPTED, _link_holder,
               _("the person the link was sent to")),
        Action("revoke", _("Revoke"), frozenset({I.PENDING}), I.REVOKED, _inviter,
               _("an admin who may invite with this role"), style="danger"),
        Action("expire", _("Expired"), frozenset({I.PENDING}), I.EXPIRED, by_system,
               _("the exchange's automated work")),
    ),
)  # fmt: skip
