"""Delivery (灵活交付): the merchant delivers a paid order by one of the modes its product's
description sheet offers, and the buyer reaches the data that way, and only while the order is
live (DATA_ACCESS):

- file (or project): the package is downloaded through a signed link valid for minutes, every
  download recorded;
- API: the order gets a call quota and a validity from the delivery on; the buyer issues its key
  and the gateway (``/gateway/orders/<id>/rows``) serves the rows page by page, metering every
  call;
- privacy computing: the package stays with the exchange; the buyer sends aggregate SQL, run by
  settlement.privacy, and each query leaves a receipt (the query's and the result's SHA-256).

Each delivery is the merchant's package checked like a sample, and its receipt (name, size, rows,
SHA-256, when, by whom); the order's acceptance window starts with it.
"""

import hashlib
import secrets
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import rfc8785
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange import bulk, clock, lifecycle
from exchange.errors import PermissionDeniedError, RuleViolation
from exchange.uploads import check_upload
from listings.models import DeliveryMode, PlanKind, ProductVersion
from listings.samples import read_sample
from settlement import contracts, permissions, privacy, services, subscriptions
from settlement.errors import (
    GatewayExpired,
    GatewayKeyInvalid,
    GatewayOrderClosed,
    ModeNotDeclared,
    QuotaExhausted,
)
from settlement.models import (
    CallOutcome,
    Delivery,
    Download,
    GatewayAccess,
    GatewayCall,
    Order,
    PrivacyQuery,
)
from settlement.states import DATA_ACCESS, ORDER_LIFECYCLE

SUFFIXES = (".csv", ".json")
LINK_SALT = "settlement.delivery"
KEY_PREFIX = "dxg_"
# The modes a merchant delivers through the exchange, in the order one is chosen for them.
MODES = (DeliveryMode.FILE, DeliveryMode.PROJECT, DeliveryMode.API, DeliveryMode.PRIVACY_COMPUTING)


def modes_offered(order: Order) -> list[str]:
    """The delivery modes the contract's product version offers (a sheet without any: file)."""
    version_id = order.contract.terms["product"]["version"]
    declared = ProductVersion.objects.filter(pk=version_id).values_list("delivery_modes", flat=True)
    modes = [m for m in MODES if m in (declared.first() or [])]
    return modes or [DeliveryMode.FILE]


def deliver(order: Order, *, actor, upload, mode: str | None = None) -> Delivery:
    """The merchant delivers ``upload`` (CSV, or a JSON array of objects, checked like a sample)
    by ``mode``: one its product offers, by default file if offered, else the first offered.
    The order is delivered and its acceptance window (and an API delivery's validity) starts.

    Raises:
        PermissionDeniedError; InvalidTransition (409); ModeNotDeclared on ``mode``;
        RuleViolation ``file_type``, ``file_*``, ``sample_*`` on ``file``.
    """
    return deliver_orders([order], actor=actor, upload=upload, mode=mode)[0]


@transaction.atomic
def deliver_orders(orders, *, actor, upload, mode: str | None = None) -> list[Delivery]:
    """Deliver one package to each of ``orders`` as ``deliver`` does, by the same checks, in one
    transaction (the batch path: the package is checked and stored once). All or none."""
    ids = [order.pk for order in orders]
    if len(set(ids)) != len(ids):
        raise ValueError("each order is delivered once")
    locked = {order.pk: order for order in services.locked_orders(ids, "contract")}
    orders = [locked[pk] for pk in ids]
    action = ORDER_LIFECYCLE["deliver"]
    offered_by_version: dict[int, list[str]] = {}
    modes = []
    for order in orders:
        lifecycle.check(order, action, actor=actor)
        version_id = order.contract.terms["product"]["version"]
        if version_id not in offered_by_version:
            offered_by_version[version_id] = modes_offered(order)
        offered = offered_by_version[version_id]
        chosen = mode or offered[0]
        if chosen not in offered:
            label = dict(DeliveryMode.choices)
            raise ModeNotDeclared(
                params={
                    "mode": label.get(chosen, chosen),
                    "declared": "、".join(str(label[m]) for m in offered),
                }
            )
        modes.append(chosen)
    name = upload.name or ""
    if not name.lower().endswith(SUFFIXES):
        raise RuleViolation(
            _("A delivery package is a .csv or .json file."), code="file_type", field="file"
        )
    checked = check_upload(upload, field="file", allowed=None)
    upload.seek(0)
    content = upload.read()
    try:
        data = read_sample(content, filename=name)
    except RuleViolation as error:
        error.field = "file"
        raise
    upload.seek(0)
    columns = [{"name": c, "type": ""} for c in data.columns]
    engine_columns = (
        _engine_columns(content, name) if DeliveryMode.PRIVACY_COMPUTING in modes else []
    )
    now = clock.now()
    deliveries = [
        Delivery(
            order=order,
            mode=chosen,
            original_name=checked.original_name,
            size=checked.size,
            rows=len(data.rows),
            sha256=checked.sha256,
            columns=(engine_columns or columns)
            if chosen == DeliveryMode.PRIVACY_COMPUTING
            else columns,
            delivered_by=actor,
            delivered_at=now,
        )
        for order, chosen in zip(orders, modes, strict=True)
    ]
    # The package is stored once; every delivery of it names the same file.
    deliveries[0].file.save(checked.original_name, upload, save=False)
    for delivery in deliveries[1:]:
        delivery.file.name = deliveries[0].file.name
    deliveries = bulk.create(deliveries)
    made = {delivery.order_id: delivery for delivery in deliveries}
    for order in orders:
        order.delivered_at = now
        subscriptions.open_period(order, now)
    GatewayAccess.objects.bulk_create(
        _gateway_access(delivery) for delivery in deliveries if delivery.mode == DeliveryMode.API
    )
    lifecycle.take_many(
        orders,
        action,
        actor=actor,
        also_save=("delivered_at", "period_start", "period_end"),
        data=lambda order: {
            "mode": made[order.pk].mode,
            "file": made[order.pk].original_name,
            "sha256": made[order.pk].sha256,
            "rows": made[order.pk].rows,
        },
    )
    return deliveries


def _engine_columns(content: bytes, name: str) -> list[dict]:
    """The columns the privacy engine reads from the package (what the buyer may query)."""
    fmt = "json" if name.lower().endswith(".json") else "csv"
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as handle:
        handle.write(content)
        handle.flush()
        try:
            described = privacy.describe(Path(handle.name), fmt)
        except Exception as error:  # the engine's own reading of a file the sample check passed
            raise RuleViolation(
                _("The privacy-computing engine cannot read this package: %(detail)s")
                % {"detail": str(error).splitlines()[0][:200]},
                code="file_unreadable",
                field="file",
            ) from error
    return [{"name": column, "type": kind} for column, kind in described]


def _gateway_access(delivery: Delivery) -> GatewayAccess:
    """A subscription's access lasts its period; any other plan's ``GATEWAY_VALIDITY_DAYS``."""
    order = delivery.order
    quota = order.quantity if order.plan_kind == PlanKind.PER_CALL else settings.GATEWAY_CALL_QUOTA
    until = order.period_end or delivery.delivered_at + timedelta(
        days=settings.GATEWAY_VALIDITY_DAYS
    )
    return GatewayAccess(delivery=delivery, order=order, quota=quota, valid_until=until)


def may_reach_data(user, order: Order) -> bool:
    """The buyer's members, while the order is live and its contract not ended early."""
    return (
        permissions.acts_for_buyer(user, order.buyer)
        and order.status in DATA_ACCESS
        and not contracts.is_ended(order)
    )


# --- file ------------------------------------------------------------------------------------------


def download_token(delivery: Delivery, user) -> str:
    """A link's token for ``user`` to fetch ``delivery``: signed, and valid for
    ``DELIVERY_LINK_SECONDS`` (settings)."""
    return signing.dumps({"delivery": delivery.pk, "user": user.pk}, salt=LINK_SALT)


def delivery_for_download(delivery_id: int, token: str, *, user) -> Delivery:
    """The delivery a link names, if its token is for this delivery and this user, still valid,
    the delivery is a file to download and the order's buyer may have the data; the download is
    recorded.

    Raises:
        PermissionDeniedError ``link_expired`` / ``link_invalid`` / ``not_your_delivery``.
    """
    try:
        claim = signing.loads(token, salt=LINK_SALT, max_age=settings.DELIVERY_LINK_SECONDS)
    except signing.SignatureExpired as error:
        raise PermissionDeniedError(
            _("This download link has expired: open the order's page for a new one."),
            code="link_expired",
        ) from error
    except signing.BadSignature as error:
        raise PermissionDeniedError(
            _("This download link is not valid."), code="link_invalid"
        ) from error
    delivery = Delivery.objects.select_related("order").filter(pk=delivery_id).first()
    if (
        delivery is None
        or not delivery.downloadable
        or claim["delivery"] != delivery_id
        or claim["user"] != user.pk
        or not may_reach_data(user, delivery.order)
    ):
        raise PermissionDeniedError(
            _("Only the buyer's members download a file delivery of a live order."),
            code="not_your_delivery",
        )
    Download.objects.create(delivery=delivery, downloaded_by=user, downloaded_at=clock.now())
    return delivery


# --- API -------------------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_key(order: Order, *, actor) -> tuple[GatewayAccess, str]:
    """A new API key for the order's gateway access, returned once; the previous key stops
    working. Only the buyer's members, while the order is live."""
    access = (
        GatewayAccess.objects.select_for_update(of=("self",))
        .select_related("order")
        .filter(order=order)
        .first()
    )
    if access is None:
        raise RuleViolation(
            _("This order was not delivered by API: it has no gateway access."),
            code="no_api_delivery",
        )
    if not may_reach_data(actor, access.order):
        raise PermissionDeniedError(
            _("Only the buyer's members issue the API key of a live order."),
            code="not_your_order",
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    access.key_prefix = key[:12]
    access.key_hash = _key_hash(key)
    access.key_issued_at = clock.now()
    access.save(update_fields=["key_prefix", "key_hash", "key_issued_at", "updated_at"])
    lifecycle.record_event(
        access.order, kind="api_key_issued", actor=actor, data={"prefix": access.key_prefix}
    )
    return access, key


def serve_rows(
    key: str, *, order_id: int, offset: int = 0, limit: int | None = None
) -> tuple[GatewayAccess, dict]:
    """One gateway call: the page of the delivered rows order ``order_id`` may read with its
    key, metered.

    A call with a valid key is recorded whatever its outcome; a served call counts against the
    quota (an atomic conditional update, so concurrent calls never exceed it).

    Raises:
        GatewayKeyInvalid (401); GatewayOrderClosed, GatewayExpired (403); QuotaExhausted (429);
        RuleViolation on ``offset`` / ``limit``.
    """
    page = settings.GATEWAY_PAGE_ROWS
    limit = page if limit is None else limit
    if not isinstance(offset, int) or offset < 0:
        raise RuleViolation(_("offset is a whole number, 0 or more."), field="offset")
    if not isinstance(limit, int) or not 1 <= limit <= page:
        raise RuleViolation(
            _("limit is a whole number from 1 to %(max)s.") % {"max": page}, field="limit"
        )
    access = (
        GatewayAccess.objects.select_related("order", "delivery")
        .filter(key_hash=_key_hash(key or ""))
        .exclude(key_hash="")
        .first()
    )
    if not key or access is None or access.order_id != order_id:
        raise GatewayKeyInvalid()
    order, now = access.order, clock.now()
    query = f"offset={offset}&limit={limit}"
    refusal = None
    if order.status not in DATA_ACCESS or contracts.is_ended(order):
        outcome = CallOutcome.ORDER_CLOSED
        refusal = GatewayOrderClosed(
            params={"order": order.pk, "status": order.get_status_display()}
        )
    elif now >= access.valid_until:
        outcome = CallOutcome.EXPIRED
        refusal = GatewayExpired(
            params={"until": timezone.localtime(access.valid_until).strftime("%Y-%m-%d %H:%M")}
        )
    elif not GatewayAccess.objects.filter(pk=access.pk, calls__lt=F("quota")).update(
        calls=F("calls") + 1
    ):
        outcome = CallOutcome.QUOTA_EXHAUSTED
        refusal = QuotaExhausted(params={"quota": access.quota})
    if refusal is not None:
        GatewayCall.objects.create(access=access, called_at=now, outcome=outcome, query=query)
        raise refusal
    delivery = access.delivery
    with delivery.file.open("rb") as handle:
        data = read_sample(handle.read(), filename=delivery.original_name)
    rows = data.rows[offset : offset + limit]
    GatewayCall.objects.create(
        access=access, called_at=now, outcome=CallOutcome.SERVED, rows=len(rows), query=query
    )
    access.refresh_from_db(fields=["calls"])
    return access, {
        "order": order.pk,
        "columns": list(data.columns),
        "rows": rows,
        "offset": offset,
        "limit": limit,
        "total": len(data.rows),
        "calls": access.calls,
        "quota": access.quota,
        "valid_until": access.valid_until.isoformat(),
    }


# --- privacy computing -----------------------------------------------------------------------------


def ask(order: Order, *, actor, sql: str) -> PrivacyQuery:
    """Run the buyer's aggregate ``sql`` over the order's privacy-computing delivery and keep its
    receipt. A refused query changes nothing.

    Raises:
        PermissionDeniedError ``not_your_order``; RuleViolation ``no_privacy_delivery``; any of
        settlement.privacy's refusals on ``sql``.
    """
    order = Order.objects.get(pk=order.pk)
    if not may_reach_data(actor, order):
        raise PermissionDeniedError(
            _("Only the buyer's members query the data of a live order."), code="not_your_order"
        )
    delivery = order.deliveries.filter(mode=DeliveryMode.PRIVACY_COMPUTING).last()
    if delivery is None:
        raise RuleViolation(
            _("This order was not delivered by privacy computing: there is nothing to query."),
            code="no_privacy_delivery",
        )
    limits = privacy.Limits(
        k=settings.PRIVACY_MIN_GROUP_ROWS,
        seconds=settings.PRIVACY_QUERY_SECONDS,
        memory=settings.PRIVACY_QUERY_MEMORY,
    )
    started = time.perf_counter()
    with _local_copy(delivery) as path:
        result = privacy.run(path, delivery.file_format, sql, limits)
    elapsed = round((time.perf_counter() - started) * 1000)
    body = result.as_json()
    return PrivacyQuery.objects.create(
        delivery=delivery,
        order=order,
        sql=result.sql,
        sql_sha256=hashlib.sha256(result.sql.encode()).hexdigest(),
        result=body,
        result_sha256=hashlib.sha256(rfc8785.dumps(body)).hexdigest(),
        suppressed_groups=result.suppressed,
        k=result.k,
        engine=result.engine,
        duration_ms=elapsed,
        asked_by=actor,
        asked_at=clock.now(),
    )


class _local_copy:
    """The delivery's file as a path on this machine (the storage's own path where it has one)."""

    def __init__(self, delivery: Delivery):
        self.delivery = delivery
        self.temp = None

    def __enter__(self) -> Path:
        try:
            return Path(self.delivery.file.path)
        except NotImplementedError:
            self.temp = tempfile.NamedTemporaryFile(suffix=f".{self.delivery.file_format}")
            with self.delivery.file.open("rb") as handle:
                self.temp.write(handle.read())
            self.temp.flush()
            return Path(self.temp.name)

    def __exit__(self, *exc):
        if self.temp is not None:
            self.temp.close()
