"""A certificate's status, read from the registrations that reference its original (DOMAIN.md §6).

Certificates are append-only: nothing is edited, so a status is derived, never stored.
"""

from datetime import datetime

from exchange import clock
from exchange.registry.models import Action, Certificate, CertificateStatus

TERMINAL_ACTIONS = (Action.CANCELLATION, Action.REVOCATION)
CLOSING_STATUS = {
    Action.CANCELLATION: CertificateStatus.CANCELLED,
    Action.REVOCATION: CertificateStatus.REVOKED,
}


def effective_valid_until(certificate: Certificate) -> datetime:
    """The end of validity after the renewals registered so far."""
    original = certificate.original or certificate
    renewals = [a.valid_until for a in original.amendments.all() if a.action == Action.RENEWAL]
    return max([original.valid_until, *renewals])


def status_of(certificate: Certificate, now: datetime | None = None) -> CertificateStatus:
    """Valid, changed, cancelled, revoked or expired: read from the amendments of its original."""
    original = certificate.original or certificate
    amendments = sorted(original.amendments.all(), key=lambda a: a.log_index)
    for amendment in amendments:
        if amendment.action in TERMINAL_ACTIONS:
            return CLOSING_STATUS[amendment.action]
    later_changes = [
        a
        for a in amendments
        if a.action == Action.CHANGE and a.log_index > (certificate.log_index or -1)
    ]
    if later_changes:
        return CertificateStatus.CHANGED
    if effective_valid_until(certificate) <= (now or clock.now()):
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID
