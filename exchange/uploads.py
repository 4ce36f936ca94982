"""Uploads: the checks every file passes before it is stored (size, name, type by content), where
files live (private storage, under random names), and storing one document with its row."""

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.storage import storages
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


def private_storage():
    """Uploads live outside the static root; only views that check permissions serve them."""
    return storages["private"]


def stored_name(folder: str, filename: str) -> str:
    """A file's name in storage: random, in ``folder``; the original name is kept in a column,
    never used as a path."""
    return f"{folder}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


def attach_document(document, *, upload, kind: str, kinds, siblings, on_stored=None):
    """Check and store one uploaded document (an unsaved ``exchange.models.StoredDocument``) of
    ``kind`` among ``kinds``, beside its ``siblings`` (the queryset of its owner's documents).

    ``on_stored(document)`` runs once the row is written (the owner's event); if the row or it
    fails, the file does not stay behind: nothing half-way.

    Raises:
        RuleViolation ``invalid_choice`` (``kind``), ``too_many_documents`` or the file's rule.
    """
    if kind not in kinds.values:
        raise RuleViolation(_("Unknown document kind."), code="invalid_choice", field="kind")
    check_document_count(existing=siblings.filter(kind=kind).count(), kind_label=kinds(kind).label)
    checked = check_upload(upload)
    document.kind = kind
    document.original_name = checked.original_name
    document.content_type = checked.content_type
    document.size = checked.size
    document.sha256 = checked.sha256
    document.file.save(checked.original_name, upload, save=False)
    try:
        document.save()
        if on_stored is not None:
            on_stored(document)
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return document


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
