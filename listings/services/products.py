"""The merchant's side of a data product: the description sheet, its sample and material, versions."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.models import User
from exchange.errors import ConflictError, FieldProblem, PermissionDeniedError, RuleViolation
from exchange.tasks import enqueue_on_commit
from exchange.uploads import attach_document, check_upload
from listings import permissions, sheet
from listings.errors import CoreDataRefused, MerchantNotActive, NotEditable, SheetIncomplete
from listings.locks import lock_product, lock_version
from listings.models import (
    Classification,
    PricingPlan,
    Product,
    ProductDocument,
    ProductDocumentKind,
    ProductVersion,
)
from listings.plans import check_plans
from listings.samples import read_sample
from listings.states import (
    OBJECTION_LIFECYCLE,
    VERSION_EDITABLE,
    VERSION_IN_PROGRESS,
    VERSION_LIFECYCLE,
    ObjectionStatus,
    VersionStatus,
)
from merchants.models import Merchant
from merchants.states import MerchantStatus

V = VersionStatus

# The sheet's fields on the version's row a merchant fills in (listings.sheet; the scenarios and
# plans come beside them); everything else is the exchange's to set.
SHEET_FIELDS = frozenset(sheet.COLUMN_NAMES)
# Supporting material every submission carries (DOMAIN.md §3).
REQUIRED_DOCUMENTS = (
    ProductDocumentKind.SOURCE_PROOF,
    ProductDocumentKind.LAWFUL_SOURCE,
    ProductDocumentKind.COMPLIANCE_REPORT,
    ProductDocumentKind.SAMPLE_AGREEMENT,
)
# Samples: CSV or a JSON array of objects, UTF-8 text (checked by parsing, since text has no magic).
SAMPLE_SUFFIXES = (".csv", ".json")


def ensure_active_merchant(merchant: Merchant) -> None:
    if merchant.status != MerchantStatus.ACTIVE:
        raise MerchantNotActive(params={"status": merchant.get_status_display()})


@transaction.atomic
def create_product(
    *, actor: User, merchant: Merchant, scenarios=None, plans=None, **sheet
) -> ProductVersion:
    """Open a data product with the draft of its first version.

    Raises:
        PermissionDeniedError; MerchantNotActive; ValidationError naming the field.
    """
    if not permissions.is_member(actor, merchant):
        raise PermissionDeniedError(_("Only the merchant's own people create its products."))
    ensure_active_merchant(merchant)
    product = Product.objects.create(merchant=merchant, created_by=actor)
    version = ProductVersion(product=product, number=1, created_by=actor)
    _assign(version, sheet)
    version.full_clean(exclude=["product", "sample"], validate_constraints=False)
    version.save()
    if scenarios is not None:
        version.scenarios.set(scenarios)
    if plans is not None:
        _replace_plans(version, plans)
    lifecycle.record_event(version, kind="created", actor=actor)
    return version


@transaction.atomic
def update_version(
    *, version: ProductVersion, actor: User, scenarios=None, plans=None, **sheet
) -> ProductVersion:
    """Change the sheet of a draft or returned version.

    Raises:
        PermissionDeniedError; NotEditable; ValidationError naming the field.
    """
    version = _lock_editable(version, actor)
    changed = _assign(version, sheet)
    version.full_clean(exclude=["product", "sample"], validate_constraints=False)
    if changed:
        version.save(update_fields=[*changed, "updated_at"])
    if scenarios is not None and set(scenarios) != set(version.scenarios.all()):
        version.scenarios.set(scenarios)
        changed.append("scenarios")
    if plans is not None:
        _replace_plans(version, plans)
        changed.append("plans")
    if changed:
        lifecycle.record_event(
            version, kind="edited", actor=actor, data={"fields": sorted(changed)}
        )
    return version


@transaction.atomic
def attach_sample(*, version: ProductVersion, actor: User, upload) -> ProductVersion:
    """Store the version's sample after checking that it parses (CSV or JSON array of objects).

    Raises:
        PermissionDeniedError; NotEditable; RuleViolation ``file_type`` / ``sample_*``.
    """
    version = _lock_editable(version, actor)
    name = upload.name or ""
    if not name.lower().endswith(SAMPLE_SUFFIXES):
        raise RuleViolation(
            _("The sample must be a .csv or .json file."), code="file_type", field="sample"
        )
    checked = check_upload(upload, field="sample", allowed=None)
    upload.seek(0)
    read_sample(upload.read(), filename=name)  # refuses an unreadable sample now, naming the rule
    upload.seek(0)
    replaced = version.sample.name
    storage = version.sample.storage
    version.sample.save(checked.original_name, upload, save=False)
    version.sample_name = checked.original_name
    version.sample_sha256 = checked.sha256
    version.save(update_fields=["sample", "sample_name", "sample_sha256", "updated_at"])
    # The replaced sample goes once this commits, unless an earlier version still holds it.
    if replaced and not ProductVersion.objects.filter(sample=replaced).exists():
        transaction.on_commit(lambda: storage.delete(replaced))
    lifecycle.record_event(
        version,
        kind="sample_attached",
        actor=actor,
        data={"name": checked.original_name, "sha256": checked.sha256},
    )
    return version


@transaction.atomic
def add_product_document(
    *, version: ProductVersion, actor: User, kind: str, upload
) -> ProductDocument:
    """Attach supporting material (PDF or image, checked by content) to an editable version.

    Raises:
        PermissionDeniedError; NotEditable (409); RuleViolation (``kind``, ``too_many_documents``
        or the file's rule).
    """
    version = _lock_editable(version, actor)
    return attach_document(
        ProductDocument(version=version, uploaded_by=actor),
        upload=upload,
        kind=kind,
        kinds=ProductDocumentKind,
        siblings=version.documents,
        on_stored=lambda document: lifecycle.record_event(
            version,
            kind="document_added",
            actor=actor,
            data={"kind": kind, "name": document.original_name},
        ),
    )


@transaction.atomic
def remove_product_document(*, document: ProductDocument, actor: User) -> None:
    """Remove material from an editable version. The file stays while an earlier version uses it."""
    version = _lock_editable(document.version, actor)
    name, storage = document.file.name, document.file.storage
    document.delete()
    lifecycle.record_event(version, kind="document_removed", actor=actor, data={"name": name})
    if not ProductDocument.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def submit_version(*, version: ProductVersion, actor: User) -> ProductVersion:
    """Send a complete sheet to the exchange; the automated checks run on a worker after commit.

    Raises:
        PermissionDeniedError (merchant admin only); MerchantNotActive; CoreDataRefused;
        InvalidTransition; SheetIncomplete listing every missing item.
    """
    from listings.tasks import run_automated_checks

    version = lock_version(version.pk)
    submit = VERSION_LIFECYCLE["submit"]
    lifecycle.check(version, submit, actor=actor)
    ensure_active_merchant(version.product.merchant)
    if version.classification == Classification.CORE:
        raise CoreDataRefused()
    problems = sheet_problems(version)
    if problems:
        raise SheetIncomplete(problems=problems)
    now = clock.now()
    version.submitted_at = now
    version.stage_entered_at = now
    version.save(update_fields=["submitted_at", "stage_entered_at", "updated_at"])
    lifecycle.take(version, submit, actor=actor)
    enqueue_on_commit(run_automated_checks, version_id=version.pk)
    return version


@transaction.atomic
def withdraw_version(*, version: ProductVersion, actor: User, reason: str = "") -> ProductVersion:
    """The merchant withdraws a version on its way (the registered one, if any, stays); objections
    pending against its public notice lapse with it.

    Raises:
        PermissionDeniedError; InvalidTransition.
    """
    version = lock_version(version.pk)
    lifecycle.take(version, VERSION_LIFECYCLE["withdraw"], actor=actor, reason=reason)
    for objection in (
        version.objections.select_for_update().filter(status=ObjectionStatus.PENDING).order_by("pk")
    ):
        lifecycle.take(objection, OBJECTION_LIFECYCLE["lapse"], actor=None)
    return version


@transaction.atomic
def start_new_version(*, product: Product, actor: User) -> ProductVersion:
    """Open the next version of a registered product as a copy of the registered sheet.

    The registered version stays registered and on sale while the new one is reviewed.

    Raises:
        PermissionDeniedError; MerchantNotActive (409); ConflictError ``not_registered`` or
        ``version_in_progress`` (409).
    """
    product = lock_product(product.pk)
    if not permissions.is_member(actor, product.merchant):
        raise PermissionDeniedError()
    ensure_active_merchant(product.merchant)
    current = product.registered_version
    if current is None:
        raise ConflictError(
            _("Only a registered product gets new versions."),
            code="not_registered",
            field="product",
        )
    if product.versions.filter(status__in=VERSION_IN_PROGRESS).exists():
        raise ConflictError(
            _("A newer version is already on its way."), code="version_in_progress", field="product"
        )
    number = (product.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = ProductVersion(product=product, number=number, created_by=actor)
    for name in SHEET_FIELDS:
        setattr(version, name, getattr(current, name))
    version.sample, version.sample_name, version.sample_sha256 = (
        current.sample.name,
        current.sample_name,
        current.sample_sha256,
    )
    version.save()
    version.scenarios.set(current.scenarios.all())
    PricingPlan.objects.bulk_create(
        PricingPlan(
            version=version,
            kind=p.kind,
            price_amount=p.price_amount,
            currency=p.currency,
            note=p.note,
        )
        for p in current.plans.all()
    )
    ProductDocument.objects.bulk_create(
        ProductDocument(
            version=version,
            kind=d.kind,
            file=d.file.name,
            original_name=d.original_name,
            content_type=d.content_type,
            size=d.size,
            sha256=d.sha256,
            uploaded_by=d.uploaded_by,
        )
        for d in current.documents.all()
    )
    lifecycle.record_event(
        version, kind="created", actor=actor, data={"from_version": current.number}
    )
    return version


def sheet_problems(version: ProductVersion) -> list[FieldProblem]:
    """Everything that stops ``version`` from being submitted; empty when the sheet is complete."""
    problems = []
    for name in sheet.REQUIRED:
        if not str(getattr(version, name) or "").strip():
            label = ProductVersion._meta.get_field(name).verbose_name
            problems.append(
                FieldProblem(name, "required", str(_("%(field)s is required.") % {"field": label}))
            )
    try:
        # The foreign keys are the database's to hold (and reading each costs a query).
        version.full_clean(
            exclude=["product", "sample", "board", "created_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if not any(p.field == field for p in problems):
                problems.extend(FieldProblem(field, "invalid", message) for message in messages)
    if not version.scenarios.exists():
        problems.append(
            FieldProblem(
                "scenarios",
                "required",
                str(_("No scenario, no trade: name at least one application scenario.")),
            )
        )
    if not version.fields_schema:
        problems.append(
            FieldProblem("fields_schema", "required", str(_("Describe the fields of the data.")))
        )
    if not version.delivery_modes:
        problems.append(
            FieldProblem("delivery_modes", "required", str(_("Choose at least one delivery mode.")))
        )
    if not version.plans.exists():
        problems.append(FieldProblem("plans", "required", str(_("Add at least one pricing plan."))))
    if not version.sample:
        problems.append(
            FieldProblem("sample", "required", str(_("Attach a sample (CSV or JSON).")))
        )
    if version.personal_information_kinds and not version.personal_information_basis:
        problems.append(
            FieldProblem(
                "personal_information_basis",
                "required",
                str(_("Personal information needs its legal basis.")),
            )
        )
    uploaded = {document.kind for document in version.documents.all()}  # prefetched by the checks
    for kind in REQUIRED_DOCUMENTS:
        if kind not in uploaded:
            problems.append(
                FieldProblem(
                    "documents",
                    "document_required",
                    str(_("Upload the %(document)s.") % {"document": kind.label}),
                )
            )
    return problems


def _assign(version: ProductVersion, values: dict) -> list[str]:
    unknown = set(values) - SHEET_FIELDS
    if unknown:
        raise TypeError(f"Not sheet fields: {sorted(unknown)}")
    changed = []
    for name, value in values.items():
        field = ProductVersion._meta.get_field(name)
        if field.is_relation:  # compare keys: an unsaved draft has no board to read yet
            current, new = getattr(version, field.attname), getattr(value, "pk", value)
        else:
            current, new = getattr(version, name), value
        if current != new:
            setattr(version, name, value)
            changed.append(name)
    return changed


def _replace_plans(version: ProductVersion, plans: list[dict]) -> None:
    check_plans(plans, at_least_one=False)
    version.plans.all().delete()
    PricingPlan.objects.bulk_create(
        PricingPlan(
            version=version,
            kind=p["kind"],
            price_amount=p.get("price_amount"),
            note=p.get("note", ""),
        )
        for p in plans
    )


def _lock_editable(version: ProductVersion, actor: User) -> ProductVersion:
    version = lock_version(version.pk)
    if not permissions.is_member(actor, version.product.merchant):
        raise PermissionDeniedError()
    if version.status not in VERSION_EDITABLE:
        raise NotEditable()
    return version
