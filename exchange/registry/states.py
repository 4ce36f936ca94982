"""What may be registered against a certificate (DOMAIN.md §6), from which of its statuses, by whom.

A certificate's status is derived from the registrations that reference its original (see
``status``); each kind of amendment is an action of this lifecycle. Registrations append: an
action never edits a certificate, it issues a new one that points at the original.
"""

from django.utils.translation import gettext_lazy as _

from exchange import lifecycle
from exchange.registry import permissions
from exchange.registry.models import Action as Kind
from exchange.registry.models import CertificateStatus

C = CertificateStatus
# Still in force (a changed original is the root of its newer registration).
IN_FORCE = frozenset({C.VALID, C.CHANGED})
# Not cancelled or revoked: an expired registration may still be renewed, changed, contested.
OPEN = frozenset({C.VALID, C.CHANGED, C.EXPIRED})


def _registrar(actor, certificate) -> bool:
    return actor is not None and permissions.can_register(actor)


REGISTRAR = _("an exchange operator (the registrant applies; the exchange registers)")
# A change registers the new version of a subject (a product's next registered version), which the
# exchange registers itself when that version's notice ends.
CHANGE_WHO = _("the exchange, when a new version of the subject is registered")


def _kind(kind: Kind, sources, target, allowed=_registrar, who=REGISTRAR, **options):
    return lifecycle.Action(
        kind.value, kind.label, frozenset(sources), target, allowed, who, **options
    )


CERTIFICATE_LIFECYCLE = lifecycle.Lifecycle(
    status=CertificateStatus,
    initial=C.VALID,
    main_path=(C.VALID, C.CHANGED, C.CANCELLED),
    actions=(
        _kind(Kind.LICENCE, IN_FORCE, None),
        _kind(Kind.TRANSFER, IN_FORCE, None),
        _kind(Kind.CHANGE, OPEN, C.CHANGED, lifecycle.by_system, CHANGE_WHO),
        _kind(Kind.RENEWAL, OPEN, None),
        _kind(Kind.OBJECTION, OPEN, None),
        _kind(Kind.CANCELLATION, OPEN, C.CANCELLED, style="danger", reason="required"),
        _kind(Kind.REVOCATION, OPEN, C.REVOKED, style="danger", reason="required"),
    ),
)
