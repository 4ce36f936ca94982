"""Styled error pages in both languages; Django's debug page is never shown to visitors."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_embedded_default_runs_with_debug_off():
    # What bin/run serves with when nothing asks for debug (the test runner forces it off anyway).
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    environment["DJANGO_SETTINGS_MODULE"] = "exchange.settings.base"
    shown = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    assert shown.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "页面"), ("en", "This page is not here")]
)
def test_a_missing_page_is_the_styled_404_in_the_visitors_language(language, words):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the page's language switch
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert 'data-testid="error-404"' in content and words in content


def test_a_page_for_another_role_is_the_styled_403(buyer_client):
    response = buyer_client.get("/merchants/queue/")
    assert response.status_code == 403
    assert 'data-testid="error-403"' in response.content.decode()


@pytest.mark.urls("tests.boom_urls")
def test_an_unexpected_error_is_the_styled_500():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert 'data-testid="error-500"' in response.content.decode()


@pytest.fixture
def buyer_client():
    from exchange.accounts.roles import Role
    from tests.factories import make_user

    client = Client()
    client.force_login(make_user(role=Role.BUYER))
    return client
