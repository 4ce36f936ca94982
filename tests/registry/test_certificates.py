"""Certificates: issued with their proof, amended by new entries, checked against the log."""

import hashlib
import json
from datetime import timedelta

import pytest
import rfc8785

from exchange import clock
from exchange.errors import DomainError
from exchange.registry import log, merkle, notes, selectors, services
from exchange.registry.models import Action, Certificate, CertificateStatus
from exchange.registry.numbers import is_valid_certificate_number
from tests.factories import log_entries
from tests.registry.conftest import forge_entry, registration

pytestmark = pytest.mark.django_db


def test_a_certificate_is_issued_with_its_proof_against_the_checkpoint_signed_with_it(issue):
    [certificate] = issue(1)
    assert is_valid_certificate_number(certificate.number)
    assert certificate.log_index == 0 and certificate.checkpoint.size == 1
    index, proof, note = notes.parse_proof(certificate.proof)
    checkpoint = notes.open_checkpoint(note, log.verifier_key(certificate.checkpoint.key))
    entry = log.entry(index)
    merkle.verify_inclusion(index, checkpoint.size, merkle.leaf_hash(entry), proof, checkpoint.root)


def test_a_batch_is_one_append_and_one_checkpoint_and_every_proof_verifies(issue):
    certificates = issue(40)
    assert {c.checkpoint_id for c in certificates} == {certificates[0].checkpoint_id}
    assert [c.log_index for c in certificates] == list(range(40))
    for certificate in certificates:
        assert selectors.verify_certificate(certificate).ok


def test_the_entry_is_the_canonical_json_of_the_certificate_record(issue):
    [certificate] = issue(1)
    entry = log.entry(certificate.log_index)
    record = json.loads(entry)
    assert entry == rfc8785.dumps(record)
    assert record["number"] == certificate.number
    assert record["content_sha256"] == hashlib.sha256(certificate.content.encode()).hexdigest()
    assert record["registrant"]["credit_code"] == certificate.registrant_credit_code
    assert record["issued_at"].endswith("Z") and record["references"] is None
    assert b"." not in entry.split(b'"issued_at"')[0]  # no floats anywhere before the times


def test_floats_are_refused_in_registered_content():
    with pytest.raises(TypeError, match=r"\$\.price is a float"):
        services.issue_certificates([registration(1, content={"price": 12.5})])
    assert not Certificate.objects.exists() and not log_entries()


def test_a_subject_is_registered_once(issue):
    issue(1)
    with pytest.raises(DomainError) as refused:
        issue(1)
    assert refused.value.code == "already_registered"
    assert len(log_entries()) == 1  # the refused batch left nothing in the log


def test_amendments_append_entries_that_reference_the_original_and_change_its_status(
    issue, registrar
):
    [original] = issue(1)
    assert selectors.status_of(original) == CertificateStatus.VALID
    licence = services.amend_certificate(
        actor=registrar, original=original, action=Action.LICENCE, reason="许可给买方"
    )
    assert licence.original == original and licence.log_index == 1
    assert json.loads(log.entry(1))["references"] == original.number
    assert selectors.status_of(original) == CertificateStatus.VALID
    # a change registers the subject's new version; the exchange makes it itself (actor None)
    change = services.amend_certificate(
        actor=None,
        original=original,
        action=Action.CHANGE,
        reason="新版本",
        subject=("tests.resource", 900, "v2"),
    )
    assert selectors.status_of(original) == CertificateStatus.CHANGED
    assert selectors.status_of(change) == CertificateStatus.VALID
    services.amend_certificate(
        actor=registrar, original=original, action=Action.CANCELLATION, reason="注销"
    )
    assert selectors.status_of(original) == CertificateStatus.CANCELLED
    assert [c.action for c in selectors.history(change)] == [
        "initial",
        "licence",
        "change",
        "cancellation",
    ]
    with pytest.raises(DomainError) as refused:
        services.amend_certificate(
            actor=registrar, original=original, action=Action.RENEWAL, reason="续展"
        )
    assert (refused.value.code, refused.value.http_status) == ("invalid_transition", 409)
    assert Certificate.objects.count() == len(log_entries()) == 4


def test_a_renewal_extends_validity_and_expiry_follows_the_business_clock(issue, registrar):
    [original] = issue(1)
    first_end = original.valid_until
    services.amend_certificate(
        actor=registrar, original=original, action=Action.RENEWAL, reason="续展"
    )
    assert selectors.effective_valid_until(original) == first_end + timedelta(days=365)
    assert (
        selectors.status_of(original, now=first_end + timedelta(days=1)) == CertificateStatus.VALID
    )
    assert (
        selectors.status_of(original, now=first_end + timedelta(days=366))
        == CertificateStatus.EXPIRED
    )


def test_a_revocation_closes_the_certificate(issue, registrar):
    [original] = issue(1)
    services.amend_certificate(
        actor=registrar, original=original, action=Action.REVOCATION, reason="来源不合法"
    )
    assert selectors.status_of(original) == CertificateStatus.REVOKED


def test_search_by_number_registrant_or_subject(issue):
    certificates = issue(3)
    assert list(selectors.search(certificates[1].number)) == [certificates[1]]
    assert set(selectors.search("测试数据科技")) == set(certificates)
    assert list(selectors.search("测试数据资源 2")) == [certificates[2]]
    assert set(selectors.search(certificates[0].registrant_credit_code)) == set(certificates)
    assert not selectors.search("不存在的主体").exists()


def test_an_altered_entry_is_located_by_the_certificate_check(issue):
    certificates = issue(5)
    entry = log.entry(3)
    forge_entry(3, entry.replace(b"\xe6\xb5\x8b", b"\xe8\xaf\x95", 1))  # 测 → 试 in the name
    outcome = selectors.verify_certificate(certificates[3])
    assert not outcome.ok and outcome.bad_entry == 3
    assert all("entry 3" in problem for problem in outcome.problems)
    assert [selectors.verify_certificate(c).ok for c in certificates] == [
        True,
        True,
        True,
        False,
        True,
    ]


def test_registration_time_comes_from_the_business_clock(issue):
    at = clock.now().replace(year=2031, month=3, day=1)
    clock.set_simulated_time(at=at)
    try:
        [certificate] = issue(1)
    finally:
        clock.use_real_time()
    assert certificate.issued_at == at and certificate.number.startswith("DR-2031-")


# --- data resources and data assets, registered by their holder ---------------------------------

DATA = {
    "registrant_name": "上海港口物流数据有限公司",
    "name": "洋山港集装箱作业数据资源",
    "description": "2020 年以来洋山港集装箱装卸、堆存作业记录。",
    "source": "企业自有生产系统采集",
    "volume": "约 3.2 亿条",
}


def test_a_data_asset_is_registered_with_its_book_value_as_a_decimal_string():
    from decimal import Decimal

    from tests.factories import credit_code

    certificate = services.register_data(
        kind="DA",
        registrant_credit_code=credit_code(11),
        rights=["resource_holding", "product_operation"],
        book_value=Decimal("1250000.00"),
        **DATA,
    )
    assert (
        certificate.number.startswith("DA-")
        and certificate.subject_type == "registry.registereddata"
    )
    assert certificate.content_data["book_value"] == {"amount": "1250000.00", "currency": "CNY"}
    assert selectors.verify_certificate(certificate).ok


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        (
            {"registrant_credit_code": "91310115MA1FL0000X"[:-1] + "Y"},
            "check_character",
            "registrant_credit_code",
        ),
        (
            {"registrant_credit_code": "91310115MA1FL000I0"},
            "alphabet",
            "registrant_credit_code",
        ),
        ({"kind": "DP"}, "bad_kind", "kind"),
        ({"rights": []}, "rights_required", "rights"),
        ({"rights": ["product_operation"]}, "right_not_allowed", "rights"),
        ({"kind": "DA", "book_value": 0}, "book_value_not_positive", "book_value"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field_and_leave_nothing(overrides, code, field):
    from tests.factories import credit_code

    values = {
        "kind": "DR",
        "registrant_credit_code": credit_code(12),
        "rights": ["resource_holding"],
        **DATA,
    }
    with pytest.raises(DomainError) as refused:
        services.register_data(**{**values, **overrides})
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not Certificate.objects.exists() and not log_entries()
