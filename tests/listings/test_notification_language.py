"""A notification reads in its recipient's language (User.language), on the page and in its
e-mail, whatever the language of whoever triggered it (issue 8 §2)."""

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from exchange import notifications
from exchange.accounts.roles import OrganisationKind, Role
from listings import services
from listings.models import RiskLevel
from listings.states import VersionStatus
from tests.factories import create_version, make_organisation, make_user
from tests.listings.conftest import submit

pytestmark = pytest.mark.django_db


def in_language(language, template, **params) -> str:
    with translation.override(language):
        return str(template) % {key: str(value) for key, value in params.items()}


def test_one_event_reads_in_each_recipients_language_with_lazy_and_choice_params():
    chinese, english = make_user(language="zh-hans"), make_user(language="en")
    with translation.override("en"):  # the person who triggered it reads English
        notes = notifications.notify(
            recipients=[chinese, english],
            title=_("%(product)s: %(status)s"),
            body=_("Reason: %(reason)s"),
            params={
                "product": "企业信用数据",
                "status": VersionStatus.RETURNED.label,
                "reason": "补充授权书",
            },
        )
    by_language = {note.recipient.language: note for note in notes}
    assert by_language["zh-hans"].title == "企业信用数据：已退回修改"
    assert by_language["en"].title == "企业信用数据: Returned for changes"
    assert by_language["zh-hans"].body == "原因：补充授权书"
    assert by_language["en"].body == "Reason: 补充授权书"

    with translation.override("zh-hans"):
        [zh_choice, en_choice] = notifications.notify(
            recipients=[chinese, english], title="%(risk)s", params={"risk": RiskLevel.HIGH}
        )
    assert (zh_choice.title, en_choice.title) == ("高", "High")


def test_the_compliance_queue_notice_reaches_each_reviewer_in_their_language(
    seller, mailoutbox, django_capture_on_commit_callbacks
):
    assessor = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER, name="双语律师事务所")
    chinese = make_user(
        role=Role.COMPLIANCE_REVIEWER, organisation=assessor, username="zh_rev", language="zh-hans"
    )
    english = make_user(
        role=Role.COMPLIANCE_REVIEWER, organisation=assessor, username="en_rev", language="en"
    )
    version = create_version(seller)

    # the merchant submits from an English page; the checks run once the submission commits
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.submit_version(version=version, actor=seller)
    version.refresh_from_db()
    assert version.status == VersionStatus.COMPLIANCE_REVIEW

    template = _("%(product)s waits for compliance review (%(risk)s risk)")
    risk = RiskLevel(version.check_report.risk_level).label
    zh_title = in_language("zh-hans", template, product=version.name, risk=risk)
    en_title = in_language("en", template, product=version.name, risk=risk)
    assert zh_title != en_title
    [zh_note] = chinese.notifications.filter(kind="product_for_compliance")
    [en_note] = english.notifications.filter(kind="product_for_compliance")
    assert (zh_note.title, en_note.title) == (zh_title, en_title)

    # the e-mails say the same, each in its reader's language
    subjects = {mail.to[0]: mail.subject for mail in mailoutbox}
    assert subjects[chinese.email] == zh_title
    assert subjects[english.email] == en_title

    # and so does each reader's notifications page
    for reader, title in ((chinese, zh_title), (english, en_title)):
        client = Client()
        client.force_login(reader)
        assert title in client.get("/notifications/").content.decode()


def test_a_reviewers_decision_reaches_the_merchants_people_in_their_languages(seller, reviewers):
    staff = make_user(
        role=Role.MERCHANT_STAFF,
        organisation=seller.organisation,
        username="en_staff",
        language="en",
    )
    version = submit(create_version(seller), seller)
    reviewer = reviewers["compliance"]
    services.claim_version(version=version, actor=reviewer)
    with translation.override("zh-hans"):  # the reviewer reads Chinese
        services.decide_version_review(
            version=version, actor=reviewer, decision="return", comments="请补充授权书"
        )

    [to_admin] = seller.notifications.filter(kind="product_review")
    [to_staff] = staff.notifications.filter(kind="product_review")
    assert to_admin.title.endswith("已退回修改")
    assert to_staff.title.endswith("Returned for changes")
    assert to_staff.body == "Reason: 请补充授权书"
