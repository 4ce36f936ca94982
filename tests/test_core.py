"""The exchange-wide pieces: clock, lifecycle helpers, notifications, health, append-only events."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from exchange import clock, notifications
from exchange.errors import PermissionDeniedError, RuleViolation
from exchange.lifecycle import graph_layout
from exchange.models import AppendOnlyError, Notification
from merchants.states import MAIN_PATH, TRANSITIONS, MerchantStatus
from tests.conftest import api_client_for
from tests.factories import make_user

S = MerchantStatus


@pytest.mark.django_db
def test_clock_runs_real_time_until_simulated():
    assert not clock.is_simulated()
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    clock.set_simulated_time(at=start)
    assert clock.now() == start
    assert clock.advance(by=timedelta(days=3)) == start + timedelta(days=3)
    assert clock.today().isoformat() == "2026-01-08"
    clock.use_real_time()
    assert not clock.is_simulated()


@pytest.mark.django_db
def test_clock_refuses_to_run_backwards_or_naive():
    with pytest.raises(RuleViolation) as backwards:
        clock.advance(by=timedelta(seconds=-1))
    assert backwards.value.code == "clock_backwards"
    with pytest.raises(RuleViolation) as naive:
        clock.set_simulated_time(at=datetime(2026, 1, 1))
    assert naive.value.code == "naive_datetime"


@pytest.mark.django_db
def test_events_follow_the_business_clock(applicant, operator):
    from tests.factories import create_application

    clock.set_simulated_time(at=datetime(2030, 6, 1, 8, 0, tzinfo=UTC))
    merchant = create_application(applicant)
    assert {e.occurred_at for e in merchant.events.all()} == {
        datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
    }


@pytest.mark.django_db
def test_events_are_append_only(applicant):
    from tests.factories import create_application

    event = create_application(applicant).events.first()
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_graph_layout_puts_the_main_path_on_top_and_every_state_somewhere():
    positions = graph_layout(TRANSITIONS, MAIN_PATH)
    assert set(positions) == set(S)
    assert [positions[s] for s in MAIN_PATH] == [(column, 0) for column in range(len(MAIN_PATH))]
    assert len(set(positions.values())) == len(positions)  # no two states on one spot


@pytest.mark.django_db
def test_notifications_are_scoped_to_their_recipient():
    alice, bob = make_user(), make_user()
    [note] = notifications.notify(recipients=[alice], title="hello %(x)s", params={"x": "1"})
    assert note.title == "hello 1"
    with pytest.raises(PermissionDeniedError):
        notifications.mark_read(notification=note, actor=bob)
    assert api_client_for(bob).get(f"/api/notifications/{note.pk}/").status_code == 404
    assert (
        api_client_for(alice).post(f"/api/notifications/{note.pk}/read/").json()["read_at"]
        is not None
    )
    notifications.notify(recipients=[alice], title="again")
    assert api_client_for(alice).post("/api/notifications/read-all/").json() == {"marked": 1}
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_task_sends_each_email_once(mailoutbox):
    user = make_user()
    [note] = notifications.notify(recipients=[user], title="t")
    assert notifications.email_notification(notification_id=note.pk) is True
    assert notifications.email_notification(notification_id=note.pk) is False  # a retried task
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(settings):
    response = Client().get("/healthz")
    assert response.status_code == 200
    broker = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"  # the embedded default has none
    assert response.json() == {"status": "ok", "database": "ok", "broker": broker}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


@pytest.mark.django_db
def test_api_docs_need_no_cdn():
    page = Client().get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page


def test_take_where_moves_only_rows_in_its_source_state_and_only_for_the_system(db):
    import pytest as _pytest
    from django.db import transaction

    from exchange import lifecycle
    from settlement.models import Order
    from settlement.states import ORDER_LIFECYCLE

    with transaction.atomic():
        assert lifecycle.take_where(Order.objects.all(), ORDER_LIFECYCLE["settle"]) == 0
        with _pytest.raises(RuntimeError):  # a person's action goes through take()
            lifecycle.take_where(Order.objects.all(), ORDER_LIFECYCLE["pay"])
