"""Browser fixtures: Debian's headless chromium, driven by Playwright, against the live server.

The browser is Debian's package (``bin/test`` installs it); a browser is never downloaded. When it
is missing the tests FAIL and say so; they never skip.
"""

from pathlib import Path

import pytest

from tests.listings.conftest import reviewers, seller  # noqa: F401  (fixtures: a listed product)
from tests.listings.test_labels import listed  # noqa: F401  (fixture)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The git-ignored folder for screenshots that a person looks at.
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}. bin/test installs it "
            "(apt-get install chromium); never run `playwright install`.",
            pytrace=False,
        )
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    # Between its calls, Playwright's sync API marks its event loop as running in this thread.
    # Django's connection handler (an asgiref Local) then keeps connections per async context:
    # the test would get new connection objects, without the state pytest-django set on the old
    # ones (the serialized contents that serialized_rollback restores, the live server's shared
    # SQLite connection). Keep the same objects inside Playwright's loop.
    keep = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in keep.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies: one signed-in person each).

    The browser asks for Chinese, like most visitors of the exchange.
    """
    contexts = []

    def open_page():
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def results_dir() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS


def login_user(*, role, organisation, username):
    """A user with a real password, who logs in through the login page."""
    from exchange.accounts.services import create_user
    from tests.factories import PASSWORD, fake

    return create_user(
        organisation=organisation,
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        first_name=fake.name(),
    )


@pytest.fixture
def operator(exchange_org):
    """An exchange operator who logs in with ``tests.factories.PASSWORD``."""
    from exchange.accounts.roles import Role

    return login_user(role=Role.OPERATOR, organisation=exchange_org, username="op")


@pytest.fixture
def applicant(transactional_db):
    """The merchant admin of an applying company, who logs in with ``tests.factories.PASSWORD``."""
    from exchange.accounts.roles import OrganisationKind, Role
    from tests.factories import make_organisation

    organisation = make_organisation(
        kind=OrganisationKind.MERCHANT, name="上海浏览器测试数据科技有限公司"
    )
    return login_user(role=Role.MERCHANT_ADMIN, organisation=organisation, username="applicant")
