from django.utils.translation import gettext_lazy as _

from exchange.errors import ConflictError


class InvitationNotUsable(ConflictError):
    code = "invitation_not_usable"
    message_template = _(
        "This invitation link is no longer valid. Ask your organisation's admin for a new one."
    )
    field = "token"
