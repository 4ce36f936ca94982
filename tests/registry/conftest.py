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
    """Replace entry ``index``'s stored bytes, behind the log's back."""
    as_insider(
        "registry_logentry",
        'UPDATE registry_logentry SET data = %s WHERE "index" = %s',
        [data, index],
    )


@pytest.fixture
def registrar(exchange_org):
    """An exchange operator: operators register amendments (licence, change, cancellation…)."""
    from exchange.accounts.roles import Role
    from tests.factories import make_user

    return make_user(role=Role.OPERATOR, organisation=exchange_org, username="registrar")
