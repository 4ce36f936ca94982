"""The product pipeline's automated checks on real Celery workers over Redis, PostgreSQL behind them."""

import os
import signal
import time
from unittest import mock

import pytest
from django.db import transaction

from listings import services
from listings.models import CheckReport, ProductVersion
from listings.states import VersionStatus
from tests.factories import create_version
from tests.integration.conftest import purge, start_worker, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
V = VersionStatus
KILL_QUEUE = "checks-kill-test"


def status_of(version_id: int) -> str:
    return ProductVersion.objects.values_list("status", flat=True).get(pk=version_id)


def big_sample(rows: int = 100_000) -> bytes:
    """A large sample, so that the checks take a while: long enough to stop a worker inside them."""
    lines = ["企业名称,统一社会信用代码,注册资本万元,成立日期,行业"]
    lines += [
        f"企业{i:06d},91310115MA1K{i:06d},{i % 5000},2019-0{i % 9 + 1}-1{i % 9},行业{i % 40}"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def active_seller(db, exchange_org):
    from exchange.accounts.roles import Role
    from merchants.states import MerchantStatus
    from tests.factories import make_user, merchant_in

    seller = make_user(role=Role.MERCHANT_ADMIN)
    merchant_in(
        MerchantStatus.ACTIVE,
        applicant=seller,
        operator=make_user(role=Role.OPERATOR, organisation=exchange_org),
    )
    return seller


def test_submission_is_checked_by_the_worker_and_routed(celery_worker, active_seller):
    version = create_version(active_seller)
    services.submit_version(version=version, actor=active_seller)  # the task leaves on commit
    wait_for(
        lambda: status_of(version.pk) == V.COMPLIANCE_REVIEW,
        timeout=60,
        what="the worker to check and route",
    )
    report = CheckReport.objects.get(version=version)
    assert (report.risk_level, report.is_senior) == ("low", False)
    assert report.sample_profile["rows"] == 3


def test_a_worker_killed_mid_task_leaves_the_item_to_be_finished_once_after_a_restart(
    worker_database, active_seller, tmp_path, settings
):
    """SIGKILL a worker inside the checks; a restarted worker gets the unacknowledged message back
    (late acknowledgement, a short visibility timeout) and finishes the item exactly once."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    purge(KILL_QUEUE, worker_database)
    short_visibility = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    version = create_version(
        active_seller,
        fields_schema=[
            {"name": n}
            for n in ("企业名称", "统一社会信用代码", "注册资本万元", "成立日期", "行业")
        ],
    )
    services.attach_sample(
        version=version, actor=active_seller, upload=SimpleUploadedFile("big.csv", big_sample())
    )
    first = start_worker(
        name="doomed",
        queues=KILL_QUEUE,
        folder=tmp_path,
        db_url=worker_database,
        extra_env=short_visibility,
    )
    try:
        # The submission's task goes to the doomed worker's own queue, out of the other workers' way.
        def to_kill_queue(task, **kwargs):
            transaction.on_commit(lambda: task.apply_async(kwargs=kwargs, queue=KILL_QUEUE))

        with mock.patch("listings.services.products.enqueue_on_commit", to_kill_queue):
            services.submit_version(version=version, actor=active_seller)
        wait_for(
            lambda: status_of(version.pk) == V.AUTO_CHECKS,
            timeout=60,
            interval=0.02,
            what="the checks to start",
        )
        os.killpg(first.process.pid, signal.SIGSTOP)  # freeze it inside the checks...
        assert status_of(version.pk) == V.AUTO_CHECKS, (
            "the checks finished before the worker could be stopped"
        )
        os.killpg(first.process.pid, signal.SIGKILL)  # ...and kill it there
        first.process.wait(timeout=10)
    finally:
        if first.process.poll() is None:
            os.killpg(first.process.pid, signal.SIGKILL)
    assert not CheckReport.objects.filter(version=version).exists()
    time.sleep(3.5)  # let the taken message's visibility timeout run out
    second = start_worker(
        name="survivor",
        queues=KILL_QUEUE,
        folder=tmp_path,
        db_url=worker_database,
        extra_env=short_visibility,
    )
    try:
        wait_for(
            lambda: status_of(version.pk) == V.COMPLIANCE_REVIEW,
            timeout=90,
            what="the restarted worker to finish",
        )
    finally:
        second.stop()
    assert CheckReport.objects.filter(version=version).count() == 1
    moves = list(
        version.events.exclude(from_status="draft", to_status="draft").values_list(
            "from_status", "to_status"
        )
    )
    assert moves.count(("submitted", "auto_checks")) == 1
    assert moves.count(("auto_checks", "compliance_review")) == 1
    assert CheckReport.objects.get(version=version).sample_profile["rows"] == 100_000
