"""Checks every upload passes before it is stored: size, file name, and type by content."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from exchange.errors import RuleViolation

# Qualification documents: scans and PDFs. Detected by their bytes; the name must agree.
DOCUMENT_TYPES = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
}
MAX_NAME_LENGTH = 120
# Letters (any script), digits, blanks and a few punctuation marks; no path separators or controls.
_SAFE_NAME = re.compile(r"^[\w\u3000-\u303f\uff00-\uffef .()（）\[\]【】+,&-]+$")


def check_document_count(*, existing: int, kind_label, field: str = "kind") -> None:
    """Refuse one more document of a kind that already has ``DOCUMENTS_PER_KIND_MAX`` of them.

    Raises:
        RuleViolation ``too_many_documents`` naming ``field``.
    """
    if existing >= settings.DOCUMENTS_PER_KIND_MAX:
        raise RuleViolation(
            _(
                "There are already %(most)s documents of the kind “%(kind)s”, the most allowed; remove one before adding another."
            ),
            code="too_many_documents",
            field=field,
            params={"most": settings.DOCUMENTS_PER_KIND_MAX, "kind": kind_label},
        )


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    content_type: str
    size: int
    sha256: str


def check_upload(
    upload, *, field: str = "file", allowed: dict[str, set[str]] = DOCUMENT_TYPES
) -> CheckedUpload:
    """Check an uploaded file; return what to record about it.

    Raises:
        RuleViolation ``file_empty``, ``file_too_large``, ``file_name`` or ``file_type``, each naming
        ``field``.
    """
    name = unicodedata.normalize("NFC", PurePosixPath((upload.name or "").replace("\\", "/")).name)
    size = upload.size or 0
    if size == 0:
        raise RuleViolation(_("The file is empty."), code="file_empty", field=field)
    if size > settings.UPLOAD_MAX_BYTES:
        raise RuleViolation(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="file_too_large",
            field=field,
            params={
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
            },
        )
    if (
        not name
        or len(name) > MAX_NAME_LENGTH
        or not _SAFE_NAME.match(name)
        or name.startswith(".")
    ):
        raise RuleViolation(
            _(
                "The file name must be 1–%(max)d letters, digits, blanks or . ( ) [ ] + , & - and may not start with a dot."
            ),
            code="file_name",
            field=field,
            params={"max": MAX_NAME_LENGTH},
        )
    content_type = "text/plain"
    if allowed is not None:
        upload.seek(0)
        kind = filetype.guess(upload.read(8192))
        upload.seek(0)
        suffix = PurePosixPath(name).suffix.lower()
        allowed_suffixes = sorted({s for suffixes in allowed.values() for s in suffixes})
        if kind is None or kind.mime not in allowed or suffix not in allowed[kind.mime]:
            raise RuleViolation(
                _("Only %(types)s files are accepted, and the name must match the content."),
                code="file_type",
                field=field,
                params={"types": " ".join(allowed_suffixes)},
            )
        content_type = kind.mime
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        original_name=name, content_type=content_type, size=size, sha256=digest.hexdigest()
    )
