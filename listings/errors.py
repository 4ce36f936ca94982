from django.utils.translation import gettext_lazy as _

from exchange.errors import ConflictError, PermissionDeniedError, RuleViolation


class SheetIncomplete(RuleViolation):
    """Submission refused: each missing item of the description sheet is a field problem."""

    code = "sheet_incomplete"
    message_template = _("The description sheet is not complete yet.")


class CoreDataRefused(RuleViolation):
    code = "core_data"
    field = "classification"
    message_template = _("Core data (核心数据) cannot be registered or traded.")


class MerchantNotActive(ConflictError):
    code = "merchant_not_active"
    field = "merchant"
    message_template = _("Only an active data merchant can do this; the merchant is “%(status)s”.")


class NotEditable(ConflictError):
    code = "not_editable"
    field = "status"
    message_template = _(
        "The description sheet can be changed only as a draft or when it was returned for changes."
    )


class OwnOrganisation(PermissionDeniedError):
    code = "own_organisation"
    message_template = _("Nobody reviews a product of their own organisation.")


class SecondStage(PermissionDeniedError):
    code = "second_stage"
    message_template = _(
        "You already reviewed another stage of this product; one person does one stage."
    )


class WrongQueue(PermissionDeniedError):
    code = "wrong_queue"
    message_template = _("This item is not in a queue your role works on.")


class AlreadyClaimed(ConflictError):
    code = "already_claimed"
    message_template = _("%(reviewer)s is reviewing this item.")


class ClaimNotHeld(ConflictError):
    code = "claim_not_held"
    message_template = _("Claim the item before deciding; claims lapse after a while.")


class ChecklistIncomplete(RuleViolation):
    code = "checklist_incomplete"
    message_template = _("The review checklist is not complete.")


class NotListable(RuleViolation):
    code = "not_listable"
    message_template = _("This product cannot be listed yet.")
