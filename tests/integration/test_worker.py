"""Tasks travel over Redis to a real worker process that writes to the real PostgreSQL database."""

from datetime import timedelta

import pytest
from django.test import Client

from exchange import clock
from exchange.models import Notification
from exchange.tasks import deliver_notifications
from merchants import services
from merchants.states import MerchantStatus
from merchants.tasks import remind_overdue_reviews
from tests.integration.conftest import wait_for

# serialized_rollback: the flush after each test would otherwise drop the reference data migrations load.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
S = MerchantStatus


def mails_in(folder) -> str:
    return "\n".join(path.read_text(errors="replace") for path in sorted(folder.glob("*.log")))


def test_decision_email_is_sent_by_the_worker_after_commit(celery_worker, applicant, operator):
    from tests.factories import merchant_in

    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    services.reject_application(merchant=merchant, actor=operator, reason="近三年存在行政处罚")
    notification = Notification.objects.get(recipient=applicant, kind="merchant_rejected")
    wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists(),
        what="the worker to e-mail the rejection",
    )
    assert applicant.email in mails_in(celery_worker)


def test_a_task_delivered_twice_sends_one_email(celery_worker, applicant):
    from exchange.notifications import notify

    [note] = notify(recipients=[applicant], title="once")
    [sentinel] = notify(recipients=[applicant], title="sentinel")
    deliver_notifications.delay(notification_ids=[note.pk])
    deliver_notifications.delay(notification_ids=[note.pk])
    deliver_notifications.delay(notification_ids=[sentinel.pk])
    # the worker takes one task at a time in order: once the sentinel is out, both duplicates ran
    wait_for(
        lambda: Notification.objects.filter(pk=sentinel.pk, emailed_at__isnull=False).exists(),
        what="delivery",
    )
    assert mails_in(celery_worker).count("Subject: once") == 1


def test_periodic_reminder_runs_on_the_worker(celery_worker, applicant, operator):
    from tests.factories import merchant_in

    merchant_in(S.SUBMITTED, applicant=applicant, operator=operator)
    clock.set_simulated_time(
        at=clock.now() + timedelta(days=30)
    )  # the worker reads the same clock row
    remind_overdue_reviews.delay()
    wait_for(
        lambda: Notification.objects.filter(recipient=operator, kind="overdue_reviews").exists(),
        what="the overdue reminder",
    )


def test_healthz_sees_database_and_broker():
    response = Client().get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
