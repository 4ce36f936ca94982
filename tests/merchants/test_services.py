import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from exchange.errors import InvalidTransition, PermissionDeniedError, RuleViolation
from exchange.models import Notification
from merchants import services
from merchants.errors import (
    ApplicationIncomplete,
    CreditCodeTaken,
    NotEditable,
    OrganisationHasLiveApplication,
    OwnOrganisation,
    ReasonRequired,
)
from merchants.models import Agreement, DocumentKind, Merchant, MerchantDocument
from merchants.states import MerchantStatus
from tests.factories import (
    ApplicationFactory,
    advance_to,
    create_application,
    credit_code,
    make_user,
    merchant_in,
)

pytestmark = pytest.mark.django_db
S = MerchantStatus


def snapshot(merchant):
    merchant.refresh_from_db()
    return (
        merchant.status,
        merchant.events.count(),
        merchant.documents.count(),
        Notification.objects.count(),
    )


def test_whole_onboarding_path_records_every_step(
    applicant, operator, django_capture_on_commit_callbacks
):
    # given a complete draft
    merchant = create_application(applicant)
    # when it goes all the way
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(merchant=merchant, actor=applicant)
        services.start_review(merchant=merchant, actor=operator)
        services.approve_application(merchant=merchant, actor=operator, reason="ok")
        agreement = services.issue_agreement(merchant=merchant, actor=operator, term_months=24)
        services.sign_agreement(merchant=merchant, actor=applicant)
    # then
    merchant.refresh_from_db()
    agreement.refresh_from_db()
    assert merchant.status == S.ACTIVE
    assert merchant.reviewer == operator
    assert merchant.submitted_at is not None and merchant.decided_at is not None
    assert agreement.number == f"MA-{agreement.issued_at.year}-{merchant.pk:06d}"
    assert agreement.term_months == 24
    assert agreement.signed_by == applicant
    assert (agreement.ends_on - agreement.signed_on).days in range(728, 732)
    moves = [
        (e.from_status, e.to_status)
        for e in merchant.events.exclude(from_status="draft", to_status="draft")
    ]
    assert moves == [
        ("draft", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "approved"),
        ("approved", "signing"),
        ("signing", "active"),
    ]
    assert [e.actor for e in merchant.events.filter(kind="approve")] == [operator]
    titles = set(Notification.objects.filter(recipient=applicant).values_list("kind", flat=True))
    assert titles == {"merchant_approved", "merchant_signing"}


def test_more_information_path(applicant, operator):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    services.request_information(merchant=merchant, actor=operator, reason="请补充DCMM证书")
    merchant.refresh_from_db()
    assert merchant.status == S.INFO_REQUESTED
    assert merchant.events.last().reason == "请补充DCMM证书"
    # the applicant may edit now, then resubmit
    services.update_application(
        merchant=merchant, actor=applicant, business_scope="更新后的经营范围"
    )
    services.resubmit_application(merchant=merchant, actor=applicant, reason="已补充")
    services.start_review(merchant=merchant, actor=operator)
    merchant.refresh_from_db()
    assert merchant.status == S.UNDER_REVIEW
    assert merchant.business_scope == "更新后的经营范围"
    assert list(merchant.events.filter(kind="edited").values_list("data", flat=True)) == [
        {"fields": ["business_scope"]}
    ]


def test_reject_needs_a_reason_and_is_final(applicant, operator):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    before = snapshot(merchant)
    with pytest.raises(ReasonRequired) as caught:
        services.reject_application(merchant=merchant, actor=operator, reason="  ")
    assert caught.value.field == "reason"
    assert snapshot(merchant) == before
    services.reject_application(merchant=merchant, actor=operator, reason="材料虚假")
    merchant.refresh_from_db()
    assert merchant.status == S.REJECTED
    with pytest.raises(InvalidTransition):
        services.start_review(merchant=merchant, actor=operator)


def test_suspend_reinstate_terminate(applicant, operator):
    merchant = merchant_in(S.ACTIVE, applicant=applicant, operator=operator)
    services.suspend_merchant(merchant=merchant, actor=operator, reason="整改")
    services.reinstate_merchant(merchant=merchant, actor=operator)
    services.terminate_merchant(merchant=merchant, actor=operator, reason="退出")
    merchant.refresh_from_db()
    assert merchant.status == S.TERMINATED
    assert merchant.is_closed


def test_invalid_credit_code_is_refused_and_nothing_is_saved(applicant):
    with pytest.raises(ValidationError) as caught:
        services.create_application(
            actor=applicant, **ApplicationFactory(credit_code="9144030071526726XH")
        )
    assert caught.value.error_dict["credit_code"][0].code == "check_character"
    assert Merchant.objects.count() == 0


def test_credit_code_is_normalised(applicant):
    code = credit_code()
    spaced = " ".join([code[:6].lower(), code[6:12], code[12:]])
    merchant = services.create_application(
        actor=applicant, **ApplicationFactory(credit_code=spaced)
    )
    assert merchant.credit_code == code


def test_duplicate_live_credit_code_is_refused(applicant, other_applicant, operator):
    first = create_application(applicant)
    with pytest.raises(CreditCodeTaken) as caught:
        services.create_application(
            actor=other_applicant, **ApplicationFactory(credit_code=first.credit_code)
        )
    assert (caught.value.code, caught.value.field, caught.value.http_status) == (
        "credit_code_taken",
        "credit_code",
        409,
    )
    assert Merchant.objects.count() == 1
    # once the first is closed, the code is free again
    services.withdraw_application(merchant=first, actor=applicant)
    second = services.create_application(
        actor=other_applicant, **ApplicationFactory(credit_code=first.credit_code)
    )
    assert second.credit_code == first.credit_code


def test_one_live_application_per_organisation(applicant):
    create_application(applicant)
    with pytest.raises(OrganisationHasLiveApplication):
        services.create_application(actor=applicant, **ApplicationFactory())
    assert Merchant.objects.count() == 1


def test_incomplete_application_lists_every_problem_and_stays_a_draft(applicant):
    merchant = services.create_application(
        actor=applicant, company_name="空白公司", credit_code=credit_code(), dcmm_level=3
    )
    before = snapshot(merchant)
    with pytest.raises(ApplicationIncomplete) as caught:
        services.submit_application(merchant=merchant, actor=applicant)
    problems = {(p.field, p.code) for p in caught.value.field_problems()}
    assert ("legal_representative", "required") in problems
    assert ("contact_phone", "required") in problems
    assert ("categories", "required") in problems
    assert ("clean_record_declared", "declaration_required") in problems
    assert ("has_data_security_system", "security_system_required") in problems
    documents = [p for p in caught.value.field_problems() if p.code == "document_required"]
    assert len(documents) == 4  # licence, security system, declaration, DCMM certificate
    assert snapshot(merchant) == before


def test_subtype_needs_its_category(applicant):
    from merchants.models import Category

    merchant = create_application(
        applicant, categories=list(Category.objects.filter(code="api_gateway"))
    )
    with pytest.raises(ApplicationIncomplete) as caught:
        services.submit_application(merchant=merchant, actor=applicant)
    codes = {p.code for p in caught.value.field_problems()}
    assert codes == {"required", "subtype_without_category"}


def test_applicant_cannot_decide_and_operator_cannot_submit(applicant, operator):
    merchant = create_application(applicant)
    with pytest.raises(PermissionDeniedError):
        services.submit_application(merchant=merchant, actor=operator)
    services.submit_application(merchant=merchant, actor=applicant)
    before = snapshot(merchant)
    with pytest.raises(PermissionDeniedError):
        services.start_review(merchant=merchant, actor=applicant)
    with pytest.raises(PermissionDeniedError):
        services.approve_application(merchant=merchant, actor=applicant)
    assert snapshot(merchant) == before


def test_merchant_staff_prepares_but_only_the_admin_submits(applicant):
    from exchange.accounts.roles import Role

    staff = make_user(role=Role.MERCHANT_STAFF, organisation=applicant.organisation)
    merchant = create_application(applicant)
    services.update_application(merchant=merchant, actor=staff, business_scope="员工修改")
    with pytest.raises(PermissionDeniedError):
        services.submit_application(merchant=merchant, actor=staff)


def test_operator_cannot_review_own_organisation(operator, second_operator):
    from exchange.accounts.roles import Role

    # the exchange's own data business applies as a merchant
    insider = make_user(role=Role.MERCHANT_ADMIN, organisation=operator.organisation)
    merchant = merchant_in(S.SUBMITTED, applicant=insider, operator=operator)
    before = snapshot(merchant)
    with pytest.raises(OwnOrganisation) as caught:
        services.start_review(merchant=merchant, actor=operator)
    assert (caught.value.code, caught.value.http_status) == ("own_organisation", 403)
    assert snapshot(merchant) == before


def test_illegal_transition_changes_nothing(applicant, operator):
    merchant = create_application(applicant)
    before = snapshot(merchant)
    with pytest.raises(InvalidTransition) as caught:
        services.approve_application(merchant=merchant, actor=operator)
    assert (caught.value.code, caught.value.from_status, caught.value.action.name) == (
        "invalid_transition",
        S.DRAFT,
        "approve",
    )
    assert snapshot(merchant) == before
    with pytest.raises(InvalidTransition):
        services.sign_agreement(merchant=merchant, actor=applicant)
    assert Agreement.objects.count() == 0


def test_edits_only_while_editable(applicant, operator):
    merchant = merchant_in(S.SUBMITTED, applicant=applicant, operator=operator)
    before = snapshot(merchant)
    with pytest.raises(NotEditable):
        services.update_application(merchant=merchant, actor=applicant, business_scope="改")
    with pytest.raises(NotEditable):
        services.add_document(
            merchant=merchant,
            actor=applicant,
            kind=DocumentKind.OTHER,
            upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
        )
    assert snapshot(merchant) == before


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        ("licence.pdf", b"MZ\x90\x00 not a pdf at all", "file_type"),
        (
            "licence.png",
            b"%PDF-1.4\n%%EOF\n",
            "file_type",
        ),  # the name says PNG, the content is a PDF
        ("../../etc/passwd.pdf", b"%PDF-1.4\n%%EOF\n", None),  # the path is dropped, the name kept
        ("营业执照<script>.pdf", b"%PDF-1.4\n%%EOF\n", "file_name"),
        (".hidden.pdf", b"%PDF-1.4\n%%EOF\n", "file_name"),
        ("empty.pdf", b"", "file_empty"),
    ],
)
def test_uploads_are_checked_by_content_name_and_size(applicant, name, content, rule):
    merchant = create_application(applicant)
    before = snapshot(merchant)
    upload = SimpleUploadedFile(name, content)
    if rule is None:
        document = services.add_document(
            merchant=merchant, actor=applicant, kind=DocumentKind.OTHER, upload=upload
        )
        assert document.original_name == "passwd.pdf"
        assert "/" not in document.file.name.removeprefix(f"merchants/{merchant.pk}/")
        return
    with pytest.raises(RuleViolation) as caught:
        services.add_document(
            merchant=merchant, actor=applicant, kind=DocumentKind.OTHER, upload=upload
        )
    assert (caught.value.code, caught.value.field) == (rule, "file")
    assert snapshot(merchant) == before


def test_upload_size_limit(applicant, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    merchant = create_application(applicant)
    with pytest.raises(RuleViolation) as caught:
        services.add_document(
            merchant=merchant,
            actor=applicant,
            kind=DocumentKind.OTHER,
            upload=SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2000),
        )
    assert caught.value.code == "file_too_large"


def test_removing_a_document_deletes_its_file_after_commit(
    applicant, django_capture_on_commit_callbacks
):
    merchant = create_application(applicant)
    document = merchant.documents.first()
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_document(document=document, actor=applicant)
    assert not storage.exists(name)
    assert not MerchantDocument.objects.filter(pk=document.pk).exists()
    assert merchant.events.filter(kind="document_removed").count() == 1


def test_decision_notifies_the_applicant_by_email_after_commit(
    applicant, operator, mailoutbox, django_capture_on_commit_callbacks
):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.request_information(merchant=merchant, actor=operator, reason="补充材料")
    assert len(mailoutbox) == 0  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mailoutbox] == [[applicant.email]]
    assert "补充材料" in mailoutbox[0].body
    notification = Notification.objects.get(recipient=applicant, kind="merchant_info_requested")
    assert notification.emailed_at is not None


def test_notification_is_in_the_recipients_language(applicant, operator):
    from exchange.accounts.roles import Role

    english = make_user(
        role=Role.MERCHANT_STAFF, organisation=applicant.organisation, language="en"
    )
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    services.reject_application(merchant=merchant, actor=operator, reason="x")
    title_en = Notification.objects.get(recipient=english, kind="merchant_rejected").title
    assert title_en.startswith("The application of")


def test_overdue_reminder_runs_once_per_business_day(applicant, operator):
    from datetime import timedelta

    from exchange import clock

    merchant_in(S.SUBMITTED, applicant=applicant, operator=operator)
    clock.set_simulated_time(at=clock.now() + timedelta(days=10))
    first = services.remind_overdue_reviews()
    second = services.remind_overdue_reviews()
    assert (first.overdue, first.notified) == (1, 1)
    assert (second.overdue, second.notified) == (1, 0)
    assert Notification.objects.filter(kind="overdue_reviews").count() == 1


def test_advance_to_every_state(applicant, operator):
    # the helper itself walks the services; a sanity check that all roads still work
    merchant = create_application(applicant)
    advance_to(merchant, S.SUSPENDED, applicant=applicant, operator=operator)
    assert merchant.status == S.SUSPENDED


def test_a_suspended_merchant_cannot_sign_its_way_back_to_active(applicant, operator):
    # Signing and the operator's reinstatement both lead to active; only reinstatement acts from
    # suspended (issue 8 §1).
    merchant = merchant_in(S.SUSPENDED, applicant=applicant, operator=operator)
    agreement = Agreement.objects.get(merchant=merchant)
    before = snapshot(merchant), agreement.signed_on
    with pytest.raises(InvalidTransition) as caught:
        services.sign_agreement(merchant=merchant, actor=applicant)
    assert (caught.value.http_status, caught.value.action.name) == (409, "sign")
    agreement.refresh_from_db()
    assert (snapshot(merchant), agreement.signed_on) == before
