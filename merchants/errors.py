from django.utils.translation import gettext_lazy as _

from exchange.errors import ConflictError, DuplicateError, PermissionDeniedError, RuleViolation


class ApplicationIncomplete(RuleViolation):
    """Submission refused: each missing or failing item is listed as a field problem."""

    code = "application_incomplete"
    message_template = _("The application is not complete yet.")


class CreditCodeTaken(DuplicateError):
    code = "credit_code_taken"
    field = "credit_code"
    message_template = _(
        "The unified social credit code %(credit_code)s already has a live application or merchant."
    )


class OrganisationHasLiveApplication(DuplicateError):
    code = "organisation_has_live_application"
    field = "organisation"
    message_template = _("Your organisation already has a live application or merchant standing.")


class OwnOrganisation(PermissionDeniedError):
    code = "own_organisation"
    message_template = _("Nobody reviews or decides on their own organisation's application.")


class ReasonRequired(RuleViolation):
    code = "reason_required"
    field = "reason"
    message_template = _("Give a reason: the applicant sees it.")


class NotEditable(ConflictError):
    code = "not_editable"
    field = "status"
    message_template = _(
        "The application can be changed only as a draft or when more information was requested."
    )
