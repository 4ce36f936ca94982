"""Fixtures shared by the whole suite: people in every role, API clients, and the real services.

Tests marked ``integration`` or ``postgres`` need PostgreSQL, Redis and a worker. When those are not
configured or not reachable, the tests FAIL with what to start; they never skip.
"""

import os

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import make_user


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords or "fuzz" in item.keywords:
            # Playwright and schemathesis run their own event loops; Django's guard would refuse
            # database access from the test thread while one runs.
            os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def _flush_may_empty_the_registry():
    """Django's flush between transactional tests deletes row by row on SQLite, which the
    append-only triggers refuse outside ``allow_purge()``, and TRUNCATEs on PostgreSQL, which the
    ledger's triggers refuse outside ``purging()``; let flush, and only flush, in."""
    from django.core.management.commands import flush

    from exchange.ledger.triggers import purging
    from exchange.registry.triggers import allow_purge

    original = flush.Command.handle

    def handle(self, *args, **options):
        with allow_purge(), purging(connection):
            return original(self, *args, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def _registry_integrates_at_once(request, settings):
    """Inside a test's rolled-back transaction nothing commits, so the log's integrator (sent on
    commit) never runs: contracts are integrated at once unless a test asks for the batched
    integration (``@pytest.mark.batched_registry``, with transactions that commit)."""
    if "batched_registry" not in {m.name for m in request.node.iter_markers()}:
        settings.REGISTRY_INTEGRATION = "immediate"


@pytest.fixture(autouse=True)
def _services_required(request):
    """Integration and PostgreSQL tests fail loudly when their services are not configured.

    Every other test runs its Celery tasks in-process, even on the services profile: only the
    integration tests talk to the real broker and worker.
    """
    from exchange.celery import app

    marks = {m.name for m in request.node.iter_markers()}
    if "postgres" in marks or "integration" in marks:
        require_postgres()
    eager = "integration" not in marks
    if not eager:
        require_redis()
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = eager or saved[0], True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.fail(
            "This test needs PostgreSQL. Run it with DATABASE_URL=postgres://postgres@127.0.0.1:5432/exchange_ci "
            "(bin/test services), with PostgreSQL started (pg_ctlcluster <version> main start).",
            pytrace=False,
        )


def require_redis() -> None:
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith("redis://"):
        pytest.fail(
            "This test needs Redis and a real worker. Run it with CELERY_BROKER_URL=redis://127.0.0.1:6379/15 "
            "(bin/test services).",
            pytrace=False,
        )
    try:
        with Connection(url, connect_timeout=3) as broker:
            broker.ensure_connection(max_retries=1)
    except Exception as error:
        pytest.fail(
            f"Redis at {url} is not reachable ({error}). Start it: redis-server --daemonize yes "
            "--bind 127.0.0.1 --port 6379",
            pytrace=False,
        )


@pytest.fixture
def exchange_org(db):
    from exchange.accounts.roles import OrganisationKind
    from tests.factories import make_organisation

    return make_organisation(kind=OrganisationKind.EXCHANGE, name="上海数据交易所（测试）")


@pytest.fixture
def operator(exchange_org):
    from exchange.accounts.roles import Role

    return make_user(role=Role.OPERATOR, organisation=exchange_org, username="op")


@pytest.fixture
def second_operator(exchange_org):
    from exchange.accounts.roles import Role

    return make_user(role=Role.OPERATOR, organisation=exchange_org, username="op2")


@pytest.fixture
def auditor(exchange_org):
    from exchange.accounts.roles import Role

    return make_user(role=Role.AUDITOR, organisation=exchange_org, username="audit")


@pytest.fixture
def applicant(db):
    """The merchant admin of a company that applies to become a data merchant."""
    from exchange.accounts.roles import OrganisationKind, Role
    from tests.factories import make_organisation

    organisation = make_organisation(kind=OrganisationKind.MERCHANT)
    return make_user(role=Role.MERCHANT_ADMIN, organisation=organisation, username="applicant")


@pytest.fixture
def other_applicant(db):
    from exchange.accounts.roles import OrganisationKind, Role
    from tests.factories import make_organisation

    organisation = make_organisation(kind=OrganisationKind.MERCHANT)
    return make_user(role=Role.MERCHANT_ADMIN, organisation=organisation, username="other")


def api_client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api():
    return api_client_for


@pytest.fixture
def throttle_rates(settings):
    """Switch the API's throttles on with the given rates (the test profile switches them off),
    starting from an empty count: ``throttle_rates(signup="3/hour")``."""
    from django.core.cache import cache

    def set_rates(**rates):
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **rates},
        }
        cache.clear()

    yield set_rates
    cache.clear()
