"""Reading the registry: certificate status and search, and checking a certificate against the log."""

import hashlib
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from exchange.registry import log, merkle, notes
from exchange.registry.models import Certificate, Checkpoint
from exchange.registry.services import canonical_json, log_record
from exchange.registry.status import effective_valid_until, status_of

__all__ = ["effective_valid_until", "status_of"]  # the read side's names for them


def certificates() -> QuerySet[Certificate]:
    """The public registry: every certificate is public (统一登记 is a public record)."""
    # Status and history read the original's amendments: prefetched, so a page costs no more.
    return Certificate.objects.select_related("original", "checkpoint").prefetch_related(
        "amendments", "original__amendments"
    )


def search(query: str = "", *, kind: str = "", registrant: str = "") -> QuerySet[Certificate]:
    """By number, registrant (name or credit code) or subject label, newest first."""
    found = certificates()
    if query := query.strip():
        found = found.filter(
            Q(number__iexact=query)
            | Q(registrant_name__icontains=query)
            | Q(registrant_credit_code__iexact=query)
            | Q(subject_label__icontains=query)
        )
    if kind:
        found = found.filter(kind=kind)
    if registrant:
        found = found.filter(registrant_credit_code=registrant)
    return found.order_by("-issued_at", "-id")


def history(certificate: Certificate) -> list[Certificate]:
    """The original and every registration that references it, in log order."""
    original = certificate.original or certificate
    return [original, *sorted(original.amendments.all(), key=lambda a: a.log_index)]


@dataclass
class Verification:
    """The outcome of checking one certificate against the log and its latest checkpoint."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    bad_entry: int | None = None
    checkpoint: Checkpoint | None = None


def verify_certificate(certificate: Certificate) -> Verification:
    """Check that the certificate is what its log entry says, and that the entry is in the tree
    signed by the latest checkpoint (signature, inclusion proof, and its own proof)."""
    index = certificate.log_index
    if index is None:
        return Verification(ok=False, problems=[_("This certificate is not in the log.")])
    latest = log.latest_checkpoint()
    entry = log.entry(index)
    problems = []
    if entry is None:
        return Verification(
            ok=False, problems=[_("entry %(index)s is missing") % {"index": index}], bad_entry=index
        )
    if canonical_json(log_record(certificate)) != entry:
        problems.append(
            _("entry %(index)s does not match this certificate's record") % {"index": index}
        )
    if hashlib.sha256(certificate.content.encode()).hexdigest() != certificate.digest:
        problems.append(_("the registered content does not match its digest"))
    vkey = log.verifier_key(latest.key)
    try:
        signed = notes.open_checkpoint(latest.note, vkey)
    except notes.NoteError as error:
        problems.append(
            _("the latest checkpoint's signature does not verify: %(error)s") % {"error": error}
        )
        return Verification(ok=False, problems=problems, checkpoint=latest)
    leaf = merkle.leaf_hash(entry)
    try:
        merkle.verify_inclusion(
            index, signed.size, leaf, log.inclusion_proof(index, signed.size), signed.root
        )
    except (merkle.ProofError, LookupError):
        problems.append(
            _("entry %(index)s is not in the tree the latest checkpoint signs") % {"index": index}
        )
    try:
        own_index, own_proof, own_note = notes.parse_proof(certificate.proof)
        own = notes.open_checkpoint(own_note, vkey)
        merkle.verify_inclusion(own_index, own.size, leaf, own_proof, own.root)
    except (notes.NoteError, merkle.ProofError):
        problems.append(
            _("entry %(index)s does not match the proof issued with the certificate")
            % {"index": index}
        )
    bad = index if problems else None
    return Verification(ok=not problems, problems=problems, bad_entry=bad, checkpoint=latest)
