from django.utils.translation import gettext_lazy as _

from exchange.errors import ConflictError, PermissionDeniedError


class InvitationNotUsable(ConflictError):
    code = "invitation_not_usable"
    message_template = _(
        "This invitation link is no longer valid. Ask your organisation's admin for a new one."
    )
    field = "token"


class OwnAccount(PermissionDeniedError):
    code = "own_account"
    message_template = _("Nobody changes their own role or deactivates their own login.")
    field = "user"
