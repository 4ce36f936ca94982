"""Concurrent requests on PostgreSQL: row locks and constraints let exactly one of them through."""

import threading

import pytest
from django.db import connection

from exchange.errors import DomainError
from merchants import services
from merchants.models import Merchant, MerchantEvent
from merchants.states import MerchantStatus
from tests.factories import ApplicationFactory, credit_code, merchant_in

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
S = MerchantStatus


def race(*calls):
    """Run ``calls`` at the same moment on their own threads and connections; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except DomainError as error:
            outcomes[index] = ("refused", error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_applications_with_one_credit_code_cannot_both_live(applicant, other_applicant):
    code = credit_code()
    outcomes = race(
        lambda: services.create_application(
            actor=applicant, **ApplicationFactory(credit_code=code)
        ),
        lambda: services.create_application(
            actor=other_applicant, **ApplicationFactory(credit_code=code)
        ),
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert [detail for kind, detail in outcomes if kind == "refused"] == ["credit_code_taken"]
    assert Merchant.objects.filter(credit_code=code).count() == 1


def test_two_operators_deciding_at_once_make_one_decision(applicant, operator, second_operator):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    events = MerchantEvent.objects.filter(subject=merchant).count()
    outcomes = race(
        lambda: services.approve_application(merchant=merchant, actor=operator),
        lambda: services.reject_application(merchant=merchant, actor=second_operator, reason="no"),
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert [detail for kind, detail in outcomes if kind == "refused"] == ["invalid_transition"]
    merchant.refresh_from_db()
    assert merchant.status in (S.APPROVED, S.REJECTED)
    assert MerchantEvent.objects.filter(subject=merchant).count() == events + 1


def test_double_submit_moves_once(applicant, operator):
    merchant = merchant_in(S.DRAFT, applicant=applicant, operator=operator)
    outcomes = race(*[lambda: services.submit_application(merchant=merchant, actor=applicant)] * 3)
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused", "refused"]
    assert MerchantEvent.objects.filter(subject=merchant, kind="submit").count() == 1


def test_agreement_is_issued_once(applicant, operator, second_operator):
    merchant = merchant_in(S.APPROVED, applicant=applicant, operator=operator)
    outcomes = race(
        lambda: services.issue_agreement(merchant=merchant, actor=operator),
        lambda: services.issue_agreement(merchant=merchant, actor=second_operator),
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    from merchants.models import Agreement

    assert Agreement.objects.filter(merchant=merchant).count() == 1


def test_concurrent_registrations_append_one_at_a_time_with_dense_indexes():
    from exchange.registry import log
    from exchange.registry import selectors as registry
    from exchange.registry import services as registry_services
    from exchange.registry.models import Certificate, Checkpoint
    from exchange.registry.verify import verify_log
    from tests.registry.conftest import registration

    def batch(start):
        return lambda: registry_services.issue_certificates(
            [registration(start + n) for n in range(5)]
        )

    outcomes = race(*(batch(start) for start in range(0, 30, 5)))
    assert [kind for kind, _ in outcomes] == ["ok"] * 6
    assert [index for index, _ in log.entries(0, 1 << 62)] == list(range(30))
    assert sorted(Certificate.objects.values_list("log_index", flat=True)) == list(range(30))
    numbers = sorted(
        int(n.split("-")[2]) for n in Certificate.objects.values_list("number", flat=True)
    )
    assert numbers == list(range(1, 31))
    assert sorted(Checkpoint.objects.values_list("size", flat=True)) == [5, 10, 15, 20, 25, 30]
    assert all(registry.verify_certificate(c).ok for c in Certificate.objects.all())
    assert verify_log().ok
