"""Sealed days: each ended business day's transfers, hashed into the certificate log.

A day's seal is the RFC 9162 Merkle root over the canonical records (RFC 8785 JSON) of its
transfers in id order, registered as the exchange's own certificate (kind LD) whose content holds
the root, the count and the first and last transfer. The log's entry holds the content's digest,
so anyone's verifier covers it; a transfer changed afterwards no longer hashes to the root, and
the database refuses any new transfer on a sealed day.
"""

from datetime import UTC, date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from exchange import clock
from exchange.errors import ConflictError, DuplicateError, RuleViolation
from exchange.ledger.models import SealedDay, Transfer
from exchange.registry import merkle
from exchange.registry import services as registry
from exchange.registry.models import CertificateKind

SUBJECT_TYPE = "ledger.day"
# A seal is the exchange's record of its own books: it confirms no right of anyone's.
SEAL_VALID_DAYS = 365 * 30


def transfer_record(transfer: Transfer) -> dict:
    """Everything a transfer records, as its day's seal hashes it."""
    return {
        "id": transfer.pk,
        "key": transfer.key,
        "kind": transfer.kind,
        "debit_account": transfer.debit_account_id,
        "credit_account": transfer.credit_account_id,
        "amount": transfer.amount,
        "currency": transfer.currency,
        "pending": transfer.pending_id,
        "reverses": transfer.reverses_id,
        "expires_at": _utc(transfer.expires_at),
        "chain": transfer.chain,
        "code": transfer.code,
        "memo": transfer.memo,
        "reference": transfer.reference,
        "booked_at": _utc(transfer.booked_at),
        "business_date": transfer.business_date.isoformat(),
        "balances": [
            transfer.dr_debits_pending,
            transfer.dr_debits_posted,
            transfer.dr_credits_pending,
            transfer.dr_credits_posted,
            transfer.cr_debits_pending,
            transfer.cr_debits_posted,
            transfer.cr_credits_pending,
            transfer.cr_credits_posted,
        ],
    }


def day_content(day: date) -> dict | None:
    """What the seal of ``day`` registers, from the transfers as they are now (None: no transfers)."""
    transfers = Transfer.objects.filter(business_date=day).order_by("id")
    leaves, first, last = [], None, None
    for transfer in transfers.iterator(chunk_size=2000):
        leaves.append(merkle.leaf_hash(registry.canonical_json(transfer_record(transfer))))
        first = first or transfer.pk
        last = transfer.pk
    if not leaves:
        return None
    return {
        "business_date": day.isoformat(),
        "transfers": len(leaves),
        "first_transfer": first,
        "last_transfer": last,
        "root": merkle.root(leaves).hex(),
    }


@transaction.atomic
def seal_day(day: date) -> SealedDay:
    """Seal ``day``, which must have ended on the business clock and have transfers.

    Raises:
        RuleViolation ``day_not_over`` / ``nothing_to_seal``; ConflictError ``day_sealed``.
    """
    if day >= clock.today():
        raise RuleViolation(
            _("%(day)s has not ended yet; a day is sealed after it ends."),
            code="day_not_over",
            field="business_date",
            params={"day": day},
        )
    if SealedDay.objects.filter(business_date=day).exists():
        raise ConflictError(_("%(day)s is sealed already."), code="day_sealed", params={"day": day})
    content = day_content(day)
    if content is None:
        raise RuleViolation(
            _("No transfer was booked on %(day)s."), code="nothing_to_seal", params={"day": day}
        )
    now = clock.now()
    try:
        with transaction.atomic():
            (certificate,) = registry.issue_certificates(
                [
                    registry.Registration(
                        kind=CertificateKind.LEDGER_DAY,
                        registrant_name=settings.EXCHANGE_NAME,
                        registrant_credit_code=settings.EXCHANGE_CREDIT_CODE,
                        subject_type=SUBJECT_TYPE,
                        subject_id=day.toordinal(),
                        subject_label=_("Ledger of %(day)s") % {"day": day.isoformat()},
                        rights=[],
                        content=content,
                        valid_until=now + timedelta(days=SEAL_VALID_DAYS),
                    )
                ]
            )
            return SealedDay.objects.create(
                business_date=day,
                transfers=content["transfers"],
                first_transfer_id=content["first_transfer"],
                last_transfer_id=content["last_transfer"],
                root=bytes.fromhex(content["root"]),
                certificate=certificate,
                sealed_at=now,
            )
    except (IntegrityError, DuplicateError) as error:  # sealed by another worker a moment ago
        raise ConflictError(
            _("%(day)s is sealed already."), code="day_sealed", params={"day": day}
        ) from error


def seal_ended_days() -> list[SealedDay]:
    """Seal every ended day that has transfers and no seal, oldest first (the beat task)."""
    today = clock.today()
    sealed = set(SealedDay.objects.values_list("business_date", flat=True))
    days = (
        Transfer.objects.filter(business_date__lt=today)
        .exclude(business_date__in=sealed)
        .values_list("business_date", flat=True)
        .distinct()
        .order_by("business_date")
    )
    made = []
    for day in list(days):
        try:
            made.append(seal_day(day))
        except ConflictError:
            continue
    return made


def check_sealed_day(sealed: SealedDay) -> list[str]:
    """What differs between a sealed day, its transfers now and its certificate in the log."""
    from exchange.registry.selectors import verify_certificate

    problems = []
    day = sealed.business_date
    content = day_content(day) or {}
    certificate = sealed.certificate
    if content.get("root") != bytes(sealed.root).hex():
        problems.append(
            f"sealed day {day}: its transfers hash to {content.get('root', 'nothing')}, not to the "
            f"sealed root {bytes(sealed.root).hex()}"
        )
    if registry.canonical_json(content) != certificate.content.encode():
        problems.append(
            f"sealed day {day}: certificate {certificate.number} registers other content"
        )
    verification = verify_certificate(certificate)
    if not verification.ok:
        problems.append(
            f"sealed day {day}: certificate {certificate.number} does not verify in the log: "
            + "; ".join(str(problem) for problem in verification.problems)
        )
    return problems


def _utc(moment) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
