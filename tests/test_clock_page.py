"""Operators step the business clock from the page, with the clock command's rules."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from exchange import clock
from exchange.accounts.roles import Role
from exchange.models import BusinessClock
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_operator_advances_sets_and_returns_the_clock_to_real_time(operator):
    page = logged_in(operator)
    before = clock.now()
    response = page.post("/clock/", {"mode": "advance", "days": "3"}, follow=True)
    assert response.status_code == 200
    assert clock.is_simulated()
    assert timedelta(days=3) <= clock.now() - before < timedelta(days=3, minutes=5)
    assert any(m.level_tag == "success" for m in response.context["messages"])
    page.post("/clock/", {"mode": "set", "at": "2026-12-24T09:30"})
    assert timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M") == "2026-12-24 09:30"
    page.post("/clock/", {"mode": "real"})
    assert not clock.is_simulated()


@pytest.mark.parametrize(
    ("data", "field"),
    [({"mode": "advance", "days": "0"}, "days"), ({"mode": "advance", "days": "400"}, "days")],
)
def test_a_bad_step_names_the_field_and_changes_nothing(operator, data, field):
    response = logged_in(operator).post("/clock/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not BusinessClock.objects.filter(simulated_now__isnull=False).exists()


def test_other_staff_read_the_clock_but_cannot_step_it(exchange_org):
    auditor = make_user(role=Role.AUDITOR, organisation=exchange_org)
    page = logged_in(auditor)
    assert page.get("/clock/").status_code == 200
    assert 'data-testid="clock-form"' not in page.get("/clock/").content.decode()
    response = page.post("/clock/", {"mode": "advance", "days": "3"}, follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not clock.is_simulated()
    buyer = make_user(role=Role.BUYER)
    assert logged_in(buyer).get("/clock/").status_code == 403
    assert Client().get("/clock/").status_code == 302
