import pytest
from django.db import connection

from exchange.registry import services
from exchange.registry.models import CertificateKind, Right
from tests.factories import credit_code


def registration(number: int, **overrides) -> services.Registration:
    """A data-resource registration of subject ``number``, as the registry receives it."""
    values = {
        "kind": CertificateKind.DATA_RESOURCE,
        "registrant_name": "上海测试数据科技有限公司",
        "registrant_credit_code": credit_code(7),
        "subject_type": "tests.resource",
        "subject_id": number,
        "subject_label": f"测试数据资源 {number}",
        "rights": [Right.RESOURCE_HOLDING.value],
        "content": {"resource": number, "price": "12.50"},
    }
    return services.Registration(**{**values, **overrides})


@pytest.fixture
def issue():
    """Issue ``count`` certificates in one batch (one append, one checkpoint)."""

    def issue_batch(count: int, start: int = 0):
        return services.issue_certificates([registration(start + n) for n in range(count)])

    return issue_batch


def as_insider(table: str, sql: str, params: list) -> None:
    """What an insider with database access could do (as the tamper_log demo does): switch the
    table's append-only triggers off, run ``sql``, switch them back on."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {name}")
            try:
                cursor.execute(sql, params)
            finally:
                for _, create in triggers:
                    cursor.execute(create)
        else:
            # ALTER TABLE refuses while the test's transaction holds deferred foreign-key checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            try:
                cursor.execute(sql, params)
            finally:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def forge_entry(index: int, data: bytes) -> None:
    """Replace entry ``index``'s stored bytes, behind the log's back (in the part that holds it)."""
    first, entries = _part_holding(index)
    entries[index - first] = data
    _rewrite_part(first, entries)


def remove_entry(index: int) -> None:
    """Delete entry ``index`` behind the log's back: its part is cut in two around it."""
    from exchange.registry import tiles

    first, entries = _part_holding(index)
    before, after = entries[: index - first], entries[index - first + 1 :]
    if before:
        _rewrite_part(first, before)
    else:
        as_insider(
            "registry_logbundlepart", "DELETE FROM registry_logbundlepart WHERE first = %s", [first]
        )
    if after:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO registry_logbundlepart (first, count, data) VALUES (%s, %s, %s)",
                [index + 1, len(after), tiles.pack_entries(after)],
            )


def _part_holding(index: int) -> tuple[int, list[bytes]]:
    from exchange.registry import tiles
    from exchange.registry.models import LogBundlePart

    part = LogBundlePart.objects.filter(first__lte=index).order_by("-first").first()
    return part.first, tiles.unpack_entries(bytes(part.data))


def _rewrite_part(first: int, entries: list[bytes]) -> None:
    from exchange.registry import tiles

    as_insider(
        "registry_logbundlepart",
        "UPDATE registry_logbundlepart SET data = %s, count = %s WHERE first = %s",
        [tiles.pack_entries(entries), len(entries), first],
    )


@pytest.fixture
def registrar(exchange_org):
    """An exchange operator: operators register amendments (licence, change, cancellation…)."""
    from exchange.accounts.roles import Role
    from tests.factories import make_user

    return make_user(role=Role.OPERATOR, organisation=exchange_org, username="registrar")
