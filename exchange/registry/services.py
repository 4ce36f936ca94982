"""Issuing registration certificates."""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from exchange import clock
from exchange.errors import DuplicateError
from exchange.registry.models import Certificate, CertificateSequence
from exchange.registry.numbers import certificate_number


def canonical_json(content: dict) -> str:
    """Sorted keys, no blanks, UTF-8 text; decimals and dates must already be strings."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def digest_of(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def draw_number(kind: str, year: int) -> str:
    """The next certificate number of ``kind`` in ``year``: gap-free under concurrent issuing."""
    CertificateSequence.objects.get_or_create(kind=kind, year=year)
    sequence = CertificateSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return certificate_number(kind, year, sequence.last)


@transaction.atomic
def issue_certificate(
    *,
    kind: str,
    registrant_name: str,
    registrant_credit_code: str,
    subject_type: str,
    subject_id: int,
    subject_label: str,
    rights: list[str],
    content: dict,
) -> Certificate:
    """Register ``content`` for a registrant: a numbered certificate with the content's digest.

    Raises:
        DuplicateError ``already_registered`` when the subject already has a certificate of this kind.
    """
    now = clock.now()
    text = canonical_json(content)
    certificate = Certificate(
        number=draw_number(kind, now.year),
        kind=kind,
        registrant_name=registrant_name,
        registrant_credit_code=registrant_credit_code,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=subject_label,
        rights=rights,
        content=text,
        digest=hashlib.sha256(text.encode()).hexdigest(),
        issued_at=now,
        valid_until=now + timedelta(days=settings.CERTIFICATE_VALID_DAYS),
    )
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError as error:
        raise DuplicateError(
            _("This subject is already registered."), code="already_registered"
        ) from error
    return certificate
