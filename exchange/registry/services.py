"""Issuing registration certificates: each one an entry of the transparency log.

A certificate is issued in the transaction that appends its entry and signs the checkpoint that
covers it, and it carries its inclusion proof against that checkpoint (c2sp.org/tlog-proof@v1).
Licence, transfer, change, renewal, cancellation, revocation and objection registrations are new
certificates that reference the original; nothing is ever edited.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import rfc8785
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from exchange import bulk, clock, lifecycle
from exchange.creditcode import normalize_credit_code, validate_credit_code
from exchange.errors import ConflictError, DuplicateError, RuleViolation
from exchange.registry import log, notes
from exchange.registry.models import (
    Action,
    Certificate,
    CertificateKind,
    CertificateSequence,
    RegisteredData,
    Right,
    SequencedRegistration,
)
from exchange.registry.numbers import certificate_number
from exchange.registry.states import CERTIFICATE_LIFECYCLE
from exchange.registry.status import TERMINAL_ACTIONS, effective_valid_until, status_of
from exchange.validators import is_idempotency_key, refused_character

# Registrations that end a certificate's life; no amendment may follow them.


def canonical_json(content: dict) -> bytes:
    """RFC 8785 canonical JSON (UTF-8). Floats are refused: decimals travel as strings.

    Content whose keys are all ASCII and whose integers are exact in an IEEE double (what the
    exchange registers) has the same canonical form as Python's sorted, compact JSON, which is
    written in C: key order by UTF-16 code units is then code-point order, and both escape the
    same characters the same way. Anything else goes through the RFC 8785 implementation."""
    if _plain(content):
        return json.dumps(
            content, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode()
    return rfc8785.dumps(content)


_EXACT = 2**53  # integers beyond ±(2^53 − 1) are not exact in a double: RFC 8785 refuses them


def _plain(value, path: str = "$") -> bool:
    """Refuse floats; whether ``value`` is plain (ASCII keys, exact integers)."""
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; registered content carries decimals as strings")
    if isinstance(value, dict):
        plain = True
        for key, item in value.items():
            plain &= _plain(item, f"{path}.{key}")
            plain = plain and isinstance(key, str) and key.isascii()
        return plain
    if isinstance(value, list):
        plain = True
        for position, item in enumerate(value):
            plain &= _plain(item, f"{path}[{position}]")
        return plain
    if isinstance(value, int):
        return -_EXACT < value < _EXACT
    return True


def digest_of(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def draw_number(kind: str, year: int) -> str:
    """The next certificate number of ``kind`` in ``year``: gap-free under concurrent issuing."""
    return draw_numbers(kind, year, 1)[0]


def draw_numbers(kind: str, year: int, count: int) -> list[str]:
    """The next ``count`` certificate numbers of ``kind`` in ``year``, under one row lock."""
    CertificateSequence.objects.get_or_create(kind=kind, year=year)
    sequence = CertificateSequence.objects.select_for_update().get(kind=kind, year=year)
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return [certificate_number(kind, year, number) for number in range(first, sequence.last + 1)]


@dataclass
class Registration:
    """What one certificate registers; ``content`` is hashed, never stored in the log itself."""

    kind: str
    registrant_name: str
    registrant_credit_code: str
    subject_type: str
    subject_id: int
    subject_label: str
    rights: list[str]
    content: dict
    action: str = Action.INITIAL
    original: Certificate | None = None
    reason: str = ""
    valid_until: datetime | None = None
    # Who registers an amendment (None: the exchange itself, for a product's new version).
    actor: object = None


def log_record(certificate: Certificate) -> dict:
    """The log entry of a certificate: everything it records but the content, whose digest it
    holds. Times are UTC RFC 3339 strings; the number fixes the order within the log."""
    return {
        "number": certificate.number,
        "kind": certificate.kind,
        "action": certificate.action,
        "references": certificate.original.number if certificate.original else None,
        "registrant": {
            "name": certificate.registrant_name,
            "credit_code": certificate.registrant_credit_code,
        },
        "subject": {
            "type": certificate.subject_type,
            "id": certificate.subject_id,
            "label": certificate.subject_label,
        },
        "rights": list(certificate.rights),
        "content_sha256": certificate.digest,
        "issued_at": _utc(certificate.issued_at),
        "valid_until": _utc(certificate.valid_until),
        "reason": certificate.reason,
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def issue_certificates(registrations: Sequence[Registration]) -> list[Certificate]:
    """Issue certificates for ``registrations``: one log append, one signed checkpoint.

    Raises:
        DuplicateError ``already_registered`` when a subject already has its first registration;
        InvalidTransition (409) when an amendment follows a cancellation or revocation;
        RuleViolation ``control_character`` when a name holds an invisible character.
    """
    return _issue(registrations)[1]


@transaction.atomic
def _issue(registrations: Sequence[Registration]) -> tuple[int, list[Certificate]]:
    """``issue_certificates``, after the sequenced registrations waiting: how many of those it
    integrated, and the certificates of ``registrations``."""
    for registration in registrations:
        _check_names(registration)
    # The log's lock first: issuers queue on one row, so numbers of any kind never deadlock.
    log.lock_head()
    # Registrations sequenced before this one enter the log first, in the same append.
    queued = list(
        SequencedRegistration.objects.select_for_update()
        .filter(certificate__isnull=True)
        .order_by("id")[:INTEGRATION_BATCH]
    )
    registrations = [*(_registration_of(row) for row in queued), *registrations]
    if not registrations:
        return 0, []
    now = clock.now()
    for registration in registrations:
        if registration.original is not None:
            _check_amendable(registration.original, registration.action, registration.actor)
    # Numbers per kind, in the order the registrations came.
    wanted: dict[str, int] = {}
    for registration in registrations:
        wanted[registration.kind] = wanted.get(registration.kind, 0) + 1
    numbers = {kind: iter(draw_numbers(kind, now.year, n)) for kind, n in sorted(wanted.items())}
    certificates = []
    for registration in registrations:
        text = canonical_json(registration.content)
        certificates.append(
            Certificate(
                number=next(numbers[registration.kind]),
                kind=registration.kind,
                action=registration.action,
                original=registration.original,
                reason=registration.reason,
                registrant_name=registration.registrant_name,
                registrant_credit_code=registration.registrant_credit_code,
                subject_type=registration.subject_type,
                subject_id=registration.subject_id,
                subject_label=registration.subject_label,
                rights=list(registration.rights),
                content=text.decode(),
                digest=hashlib.sha256(text).hexdigest(),
                issued_at=now,
                valid_until=registration.valid_until
                or now + timedelta(days=settings.CERTIFICATE_VALID_DAYS),
            )
        )
    appended = log.append([canonical_json(log_record(c)) for c in certificates])
    size = appended.checkpoint.size
    indices = [appended.first_index + offset for offset in range(len(certificates))]
    proofs = log.inclusion_proofs(indices, size)
    for certificate, index, proof in zip(certificates, indices, proofs, strict=True):
        certificate.log_index = index
        certificate.checkpoint = appended.checkpoint
        certificate.proof = notes.format_proof(index, proof, appended.checkpoint.note)
    try:
        with transaction.atomic():
            certificates = bulk.create(certificates)
    except IntegrityError as error:
        raise DuplicateError(
            _("This subject is already registered."), code="already_registered"
        ) from error
    integrated: dict[str, list] = {}
    for row, certificate in zip(queued, certificates, strict=False):
        row.certificate = certificate
        integrated.setdefault(row.subject_type, []).append((row.subject_id, certificate))
    for subject_type, pairs in integrated.items():
        for handler in _INTEGRATED.get(subject_type, ()):
            handler(pairs)
    bulk.link_each(
        SequencedRegistration,
        "certificate",
        {row.pk: row.certificate.pk for row in queued},
    )
    return len(queued), certificates[len(queued) :]


# --- sequencing (Tessera-style): queue now, integrate in batches ---------------------------------

# Most entries one integration appends under one checkpoint.
INTEGRATION_BATCH = 1000
_INTEGRATED: dict[str, list] = {}


def on_integrated(subject_type: str, handler) -> None:
    """Call ``handler(pairs)`` with the ``(subject_id, certificate)`` of the sequenced
    registrations of ``subject_type`` an integration issued (the domain apps attach each
    certificate to its subject)."""
    _INTEGRATED.setdefault(subject_type, []).append(handler)


def sequence(registration: Registration) -> SequencedRegistration:
    """Queue a first registration for the log inside the caller's transaction, without the log's
    head lock: the integrator (``integrate_all``, sent when the transaction commits, and beat
    each minute) issues its certificate with the others queued since, in one append under one
    checkpoint, usually within a second. ``REGISTRY_INTEGRATION = "immediate"`` integrates it at
    once instead (the log's lock is then held until the caller commits).

    Raises:
        RuleViolation ``control_character``; DuplicateError ``already_registered``.
    """
    return sequence_many([registration])[0]


def sequence_many(registrations: Sequence[Registration]) -> list[SequencedRegistration]:
    """Queue each of ``registrations`` as ``sequence`` does, in one insert (a batch path)."""
    from exchange.registry.tasks import integrate
    from exchange.tasks import enqueue_on_commit

    if not registrations:
        return []
    for registration in registrations:
        if registration.original is not None:
            raise ValueError("only first registrations are sequenced; amendments append at once")
        _check_names(registration)
    now = clock.now()
    try:
        with transaction.atomic():
            rows = bulk.create(
                SequencedRegistration(
                    kind=registration.kind,
                    registrant_name=registration.registrant_name,
                    registrant_credit_code=registration.registrant_credit_code,
                    subject_type=registration.subject_type,
                    subject_id=registration.subject_id,
                    subject_label=registration.subject_label,
                    rights=list(registration.rights),
                    content=registration.content,
                    valid_until=registration.valid_until,
                    sequenced_at=now,
                )
                for registration in registrations
            )
    except IntegrityError as error:
        raise DuplicateError(
            _("This subject is already registered."), code="already_registered"
        ) from error
    if settings.REGISTRY_INTEGRATION == "immediate":
        integrate_all()
        issued = SequencedRegistration.objects.in_bulk([row.pk for row in rows])
        rows = [issued[row.pk] for row in rows]
    else:
        enqueue_on_commit(integrate)
    return rows


def integrate_pending() -> int:
    """Integrate the sequenced registrations still waiting (up to ``INTEGRATION_BATCH``): their
    certificates, one append, one signed checkpoint. Returns how many."""
    if not SequencedRegistration.objects.filter(certificate__isnull=True).exists():
        return 0
    return _issue([])[0]


def integrate_all() -> int:
    """Integrate everything queued, ``INTEGRATION_BATCH`` at a time (each its own append and
    checkpoint); how many."""
    total = 0
    while True:
        done = integrate_pending()
        total += done
        if done < INTEGRATION_BATCH:
            return total


def _registration_of(row: SequencedRegistration) -> Registration:
    return Registration(
        kind=row.kind,
        registrant_name=row.registrant_name,
        registrant_credit_code=row.registrant_credit_code,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        subject_label=row.subject_label,
        rights=list(row.rights),
        content=row.content,
        valid_until=row.valid_until,
    )


def issue_certificate(**registration) -> Certificate:
    """Issue one certificate (see ``Registration`` for the arguments)."""
    return issue_certificates([Registration(**registration)])[0]


def _check_names(registration: Registration) -> None:
    """The log keeps names for ever: no controls or text-direction overrides in them."""
    for field in ("registrant_name", "subject_label"):
        character = refused_character(getattr(registration, field))
        if character is not None:
            raise RuleViolation(
                _(
                    "%(field)s contains U+%(codepoint)s, an invisible control or text-direction character."
                ),
                code="control_character",
                field=field,
                params={"field": field, "codepoint": f"{ord(character):04X}"},
            )


def _check_amendable(original: Certificate, action: str, actor) -> None:
    """Refuse an amendment that its kind does not allow from the certificate's status, or by
    this actor (``None``: the exchange's own registration of a new product version).

    Raises:
        RuleViolation ``not_original``; PermissionDeniedError (403); InvalidTransition (409).
    """
    if original.action != Action.INITIAL:
        raise RuleViolation(
            _("Amendments reference the original certificate, not another amendment."),
            code="not_original",
            field="original",
        )
    lifecycle.check(
        original, CERTIFICATE_LIFECYCLE[action], actor=actor, status=status_of(original)
    )


@transaction.atomic
def amend_certificate(
    *,
    original: Certificate,
    action: str,
    reason: str,
    actor,
    content: dict | None = None,
    subject: tuple[str, int, str] | None = None,
) -> Certificate:
    """Register a licence, transfer, change, renewal, cancellation, revocation or objection.

    The new certificate copies the original's registrant, subject and rights unless ``subject``
    (type, id, label) names a new one (a change registers the new version); a renewal runs a
    new validity period from the end of the current one. What each kind may follow, and who
    registers it, is ``exchange.registry.states.CERTIFICATE_LIFECYCLE``.

    Raises:
        RuleViolation ``bad_action`` / ``not_original`` / ``reason_required``;
        PermissionDeniedError (403); InvalidTransition (409) (e.g. a second revocation).
    """
    if action == Action.INITIAL or action not in Action.values:
        raise RuleViolation(
            _("An amendment cannot be a first registration."), code="bad_action", field="action"
        )
    original = Certificate.objects.select_for_update().get(pk=original.pk)
    _check_amendable(original, action, actor)
    if action in TERMINAL_ACTIONS and not (reason or "").strip():
        raise RuleViolation(
            _("Say why: the reason is part of the permanent record."),
            code="reason_required",
            field="reason",
        )
    subject_type, subject_id, subject_label = subject or (
        original.subject_type,
        original.subject_id,
        original.subject_label,
    )
    valid_until = None
    if action == Action.RENEWAL:
        valid_until = effective_valid_until(original) + timedelta(
            days=settings.CERTIFICATE_VALID_DAYS
        )
    elif action in (Action.LICENCE, Action.TRANSFER, Action.OBJECTION, *TERMINAL_ACTIONS):
        valid_until = effective_valid_until(original)
    return issue_certificates(
        [
            Registration(
                kind=original.kind,
                registrant_name=original.registrant_name,
                registrant_credit_code=original.registrant_credit_code,
                subject_type=subject_type,
                subject_id=subject_id,
                subject_label=subject_label,
                rights=list(original.rights),
                content=content
                if content is not None
                else {"reason": reason, "references": original.number},
                action=action,
                original=original,
                reason=reason,
                valid_until=valid_until,
                actor=actor,
            )
        ]
    )[0]


RIGHTS_OF_KIND = {
    CertificateKind.DATA_RESOURCE: {Right.RESOURCE_HOLDING, Right.PROCESSING_USE},
    CertificateKind.DATA_ASSET: {
        Right.RESOURCE_HOLDING,
        Right.PROCESSING_USE,
        Right.PRODUCT_OPERATION,
    },
}


def check_credit_code(code: str) -> None:
    """The registrant's unified social credit code, by the one GB 32100 rule (exchange.creditcode).

    Raises:
        RuleViolation on ``registrant_credit_code`` whose code names the failed rule (``length``,
        ``alphabet``, ``authority_type``, ``region``, ``check_character``).
    """
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise RuleViolation(
            error.messages[0], code=error.code, field="registrant_credit_code"
        ) from error


@transaction.atomic
def register_data(
    *,
    kind: str,
    registrant_name: str,
    registrant_credit_code: str,
    name: str,
    description: str,
    source: str,
    rights: list[str],
    volume: str = "",
    book_value: Decimal | None = None,
    actor=None,
    idempotency_key: str = "",
) -> Certificate:
    """Register a data resource or a data asset for its holder and issue its certificate.

    With an ``idempotency_key`` (unique per ``actor``), the same request again returns the
    certificate the first one issued, and nothing new enters the log; the same key with another
    request is refused.

    Raises RuleViolation naming the field: ``bad_kind``, the credit code's rule (``length``,
    ``alphabet``, ``authority_type``, ``region``, ``check_character``), ``rights_required``,
    ``right_not_allowed``, ``book_value_not_positive``, ``invalid`` (the key); ValidationError
    naming the field (``control_character`` in a name); ConflictError ``idempotency_conflict``.
    """
    registrant_credit_code = normalize_credit_code(registrant_credit_code)
    request = {
        "kind": kind,
        "registrant_name": registrant_name,
        "registrant_credit_code": registrant_credit_code,
        "name": name,
        "description": description,
        "source": source,
        "rights": sorted(rights),
        "volume": volume,
        "book_value": None if book_value is None else str(book_value),
    }
    request_digest = digest_of(request)
    if idempotency_key:
        if actor is None or not is_idempotency_key(idempotency_key):
            raise RuleViolation(
                _(
                    "An Idempotency-Key is 1–255 visible ASCII characters, sent by a signed-in user."
                ),
                code="invalid",
                field="idempotency_key",
            )
        replay = _replay(actor, idempotency_key, request_digest)
        if replay is not None:
            return replay
    if kind not in RIGHTS_OF_KIND:
        raise RuleViolation(
            _("Only data resources (DR) and data assets (DA) are registered here."),
            code="bad_kind",
            field="kind",
        )
    check_credit_code(registrant_credit_code)
    if not rights:
        raise RuleViolation(
            _("Name at least one right to register."), code="rights_required", field="rights"
        )
    if not set(rights) <= RIGHTS_OF_KIND[kind]:
        raise RuleViolation(
            _("A %(kind)s registers only %(allowed)s."),
            code="right_not_allowed",
            field="rights",
            params={
                "kind": CertificateKind(kind).label,
                "allowed": "、".join(str(Right(r).label) for r in sorted(RIGHTS_OF_KIND[kind])),
            },
        )
    if book_value is not None and book_value <= 0:
        raise RuleViolation(
            _("The book value must be more than zero."),
            code="book_value_not_positive",
            field="book_value",
        )
    holding = RegisteredData(
        kind=kind,
        name=name,
        description=description,
        source=source,
        volume=volume,
        book_value=book_value,
        registrant_name=registrant_name,
        registrant_credit_code=registrant_credit_code,
        requested_by=actor,
        idempotency_key=idempotency_key,
        request_digest=request_digest,
    )
    holding.full_clean(exclude=["requested_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            holding.save()
    except IntegrityError:
        # The same key, sent twice at once: the other request registered it first.
        replay = _replay(actor, idempotency_key, request_digest) if idempotency_key else None
        if replay is None:
            raise
        return replay
    content = {
        "name": name,
        "description": description,
        "source": source,
        "volume": volume,
        "book_value": None
        if book_value is None
        else {"amount": str(book_value), "currency": "CNY"},
    }
    return issue_certificate(
        kind=kind,
        registrant_name=registrant_name,
        registrant_credit_code=registrant_credit_code,
        subject_type="registry.registereddata",
        subject_id=holding.pk,
        subject_label=name,
        rights=sorted(rights),
        content=content,
    )


def _replay(actor, idempotency_key: str, request_digest: str) -> Certificate | None:
    """The certificate an earlier request with this key issued, or None if there was none."""
    earlier = RegisteredData.objects.filter(
        requested_by=actor, idempotency_key=idempotency_key
    ).first()
    if earlier is None:
        return None
    certificate = Certificate.objects.get(
        subject_type="registry.registereddata", subject_id=earlier.pk, action=Action.INITIAL
    )
    if earlier.request_digest != request_digest:
        raise ConflictError(
            _(
                "This Idempotency-Key was used for another registration (%(number)s). Send a new key with a new request."
            ),
            code="idempotency_conflict",
            field="idempotency_key",
            params={"number": certificate.number},
        )
    return certificate
