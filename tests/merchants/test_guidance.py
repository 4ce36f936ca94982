"""The application page tells each person what happens next and what to do (issue 8 §2)."""

import re

import pytest
from django.test import Client

from exchange.accounts.roles import Role
from merchants import services
from merchants.models import Merchant, MerchantEvent
from merchants.states import MerchantStatus
from tests.factories import make_user, merchant_in

pytestmark = pytest.mark.django_db
S = MerchantStatus


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_more_information_requested_shows_the_request_first_not_an_all_clear(applicant, operator):
    merchant = merchant_in(S.UNDER_REVIEW, applicant=applicant, operator=operator)
    services.request_information(
        merchant=merchant, actor=operator, reason="请补充2025年修订版数据安全管理制度"
    )

    content = logged_in(applicant).get(f"/merchants/{merchant.pk}/").content.decode()

    request = content.index('data-testid="status-reason"')
    assert "交易所要求补充材料" in content[request : request + 400]
    assert "请补充2025年修订版数据安全管理制度" in content[request : request + 600]
    assert request < content.index("<h2>申请</h2>")  # at the top, before the application
    assert 'data-testid="next-step"' in content
    assert "所需信息和材料已齐全" not in content  # "Everything needed is here." misled
    assert 'data-testid="resubmit-hint"' in content
    assert 'data-action="resubmit"' in content


def test_the_resubmit_checklist_lists_only_what_is_really_missing(applicant, operator):
    merchant = merchant_in(S.INFO_REQUESTED, applicant=applicant, operator=operator)
    client = logged_in(applicant)
    licence = merchant.documents.get(kind="business_licence")
    client.post(f"/merchants/{merchant.pk}/documents/{licence.pk}/remove/")

    page = client.get(f"/merchants/{merchant.pk}/")

    assert [p.code for p in page.context["problems"]] == ["document_required"]
    checklist = re.search(r'data-testid="checklist">(.*?)</ul>', page.content.decode()).group(1)
    assert checklist.count("<li") == 1 and "营业执照" in checklist
    assert 'data-testid="resubmit-hint"' not in page.content.decode()


def test_the_reason_of_a_rejection_is_shown_to_the_applicant_not_to_the_public(applicant, operator):
    merchant = merchant_in(S.REJECTED, applicant=applicant, operator=operator)
    own = logged_in(applicant).get(f"/merchants/{merchant.pk}/")
    assert own.context["status_reason"].reason == "不符合条件"
    assert "交易所给出的原因" in own.content.decode()


@pytest.mark.parametrize("closed", [S.REJECTED, S.WITHDRAWN, S.TERMINATED])
def test_a_closed_applicant_reads_its_application_and_starts_a_new_one(applicant, operator, closed):
    old = merchant_in(closed, applicant=applicant, operator=operator)
    client = logged_in(applicant)

    # the navigation's "our application" shows the past one instead of an empty form
    mine = client.get("/merchants/mine/")
    assert mine.status_code == 200
    assert [m.pk for m in mine.context["past"]] == [old.pk]
    assert f'href="/merchants/{old.pk}/"' in mine.content.decode()
    assert 'data-action="start-again"' in mine.content.decode()

    # the old application stays readable, with a clear way to start again
    page = client.get(f"/merchants/{old.pk}/")
    assert page.status_code == 200
    assert page.context["can_start_again"] is True
    assert 'data-testid="start-again"' in page.content.decode()

    # the new form starts from what the old application said
    form = client.get("/merchants/apply/")
    assert form.context["previous"] == old
    assert form.context["form"].initial["credit_code"] == old.credit_code
    assert form.context["sources"].initial == old.data_sources

    # and saving it opens a new draft, which "our application" now leads to
    data = {
        name: "on" if value is True else ("" if value in (None, False) else value)
        for name, value in form.context["form"].initial.items()
        if name != "categories"
    }
    data["categories"] = [str(c.pk) for c in old.categories.all()]
    data.update(sources_data(old.data_sources, extra_rows=1))
    response = client.post("/merchants/apply/", data)
    assert response.status_code == 302, response.context["form"].errors
    new = Merchant.objects.exclude(pk=old.pk).get()
    assert new.status == S.DRAFT
    assert new.credit_code == old.credit_code
    assert new.data_sources == old.data_sources
    assert client.get("/merchants/mine/").url == f"/merchants/{new.pk}/"
    old_page = client.get(f"/merchants/{old.pk}/")
    assert old_page.context["live_application"] == new
    assert 'data-testid="start-again"' not in old_page.content.decode()


def test_a_live_application_is_opened_instead_of_a_second_form(applicant, operator):
    merchant = merchant_in(S.SUBMITTED, applicant=applicant, operator=operator)
    response = logged_in(applicant).get("/merchants/apply/")
    assert response.url == f"/merchants/{merchant.pk}/"


def test_staff_without_any_application_are_told_who_starts_it(applicant):
    staff = make_user(
        role=Role.MERCHANT_STAFF, organisation=applicant.organisation, username="staffer"
    )
    page = logged_in(staff).get("/merchants/mine/")
    assert page.status_code == 200
    assert page.context["can_apply"] is False
    assert 'data-action="start-again"' not in page.content.decode()


def test_staff_see_that_the_admin_submits_where_the_admin_sees_the_buttons(applicant, operator):
    merchant = merchant_in(S.DRAFT, applicant=applicant, operator=operator)
    staff = make_user(
        role=Role.MERCHANT_STAFF, organisation=applicant.organisation, username="staffer"
    )

    staff_page = logged_in(staff).get(f"/merchants/{merchant.pk}/")
    admin_page = logged_in(applicant).get(f"/merchants/{merchant.pk}/")

    assert staff_page.context["buttons"] == []
    assert [a.name for a in staff_page.context["admin_steps"]] == ["submit", "withdraw"]
    note = staff_page.content.decode()
    assert 'data-testid="admin-steps"' in note
    assert "以下操作由本机构的数商管理员执行" in note and "提交申请" in note
    assert [b.slug for b in admin_page.context["buttons"]] == ["submit", "withdraw"]
    assert admin_page.context["admin_steps"] == []


def test_staff_are_told_the_admin_signs(applicant, operator):
    merchant = merchant_in(S.SIGNING, applicant=applicant, operator=operator)
    staff = make_user(
        role=Role.MERCHANT_STAFF, organisation=applicant.organisation, username="staffer"
    )
    page = logged_in(staff).get(f"/merchants/{merchant.pk}/")
    assert "sign" in [a.name for a in page.context["admin_steps"]]
    assert "签署协议" in page.content.decode()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (S.DRAFT, "请完善申请并上传资质材料"),
        (S.SUBMITTED, "力争在 5 天内完成审核"),
        (S.SIGNING, "数商管理员签约后即成为正式数商"),
        (S.SUSPENDED, "挂牌产品暂停销售"),
    ],
)
def test_each_status_says_what_happens_next(applicant, operator, status, words, settings):
    settings.MERCHANT_REVIEW_SLA_DAYS = 5
    merchant = merchant_in(status, applicant=applicant, operator=operator)
    page = logged_in(applicant).get(f"/merchants/{merchant.pk}/").content.decode()
    line = re.search(r'data-testid="next-step">(.*?)</p>', page, re.S).group(1)
    assert words in line


# --- the declared data sources ------------------------------------------------------------------


def sources_data(rows, *, extra_rows=0, prefix="sources") -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra_rows),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }
    for number, row in enumerate(rows):
        for key in ("name", "acquisition", "description"):
            data[f"{prefix}-{number}-{key}"] = row.get(key, "")
    return data


def as_the_browser_posts(page, data: dict) -> dict:
    """Add what a browser sends for the form's untouched empty row: its inputs' values and each
    select's selected (or first) option."""
    content = page.content.decode()
    number = int(data["sources-TOTAL_FORMS"]) - 1
    for name in ("name", "description"):
        data.setdefault(f"sources-{number}-{name}", "")
    select = re.search(
        rf'<select name="sources-{number}-acquisition"[^>]*>(.*?)</select>', content, re.S
    ).group(1)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select) or re.search(
        r'<option value="([^"]*)"', select
    )
    data[f"sources-{number}-acquisition"] = chosen.group(1)
    return data


def edit_data(merchant, **overrides) -> dict:
    data = {
        "company_name": merchant.company_name,
        "credit_code": merchant.credit_code,
        "legal_representative": merchant.legal_representative,
        "legal_status": merchant.legal_status,
        "registered_address": merchant.registered_address,
        "district": merchant.district,
        "contact_name": merchant.contact_name,
        "contact_phone": merchant.contact_phone,
        "contact_email": merchant.contact_email,
        "business_scope": merchant.business_scope,
        "dcmm_level": merchant.dcmm_level or "",
        "has_data_security_system": "on",
        "clean_record_declared": "on",
        "categories": [str(c.pk) for c in merchant.categories.all()],
    }
    data.update(overrides)
    return data


def test_editing_with_the_empty_extra_data_source_row_saves(applicant, operator):
    merchant = merchant_in(S.DRAFT, applicant=applicant, operator=operator)
    client = logged_in(applicant)
    page = client.get(f"/merchants/{merchant.pk}/edit/")
    sources = merchant.data_sources

    data = as_the_browser_posts(
        page,
        {**edit_data(merchant, business_scope="数据服务"), **sources_data(sources, extra_rows=1)},
    )
    response = client.post(f"/merchants/{merchant.pk}/edit/", data)

    assert response.status_code == 302, response.context["sources"].errors
    merchant.refresh_from_db()
    assert merchant.business_scope == "数据服务"
    assert merchant.data_sources == sources  # the existing row kept, the empty one ignored


def test_a_data_source_row_cleared_entirely_is_dropped(applicant, operator):
    merchant = merchant_in(S.DRAFT, applicant=applicant, operator=operator)
    client = logged_in(applicant)
    kept = {"name": "合作银行授权数据", "acquisition": "licensed", "description": ""}
    rows = [*merchant.data_sources, kept]
    services.update_application(merchant=merchant, actor=applicant, data_sources=rows)
    cleared = [{"name": "", "acquisition": "", "description": ""}, kept]

    response = client.post(
        f"/merchants/{merchant.pk}/edit/", {**edit_data(merchant), **sources_data(cleared)}
    )

    assert response.status_code == 302
    merchant.refresh_from_db()
    assert merchant.data_sources == [kept]


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"name": "", "acquisition": "public", "description": "工商公示"}, "name", "数据来源"),
        ({"name": "合作方数据", "acquisition": "", "description": ""}, "acquisition", "获取方式"),
    ],
)
def test_a_half_filled_data_source_row_names_the_missing_field_and_saves_nothing(
    applicant, operator, row, field, words
):
    merchant = merchant_in(S.DRAFT, applicant=applicant, operator=operator)
    before = (merchant.data_sources, merchant.business_scope, MerchantEvent.objects.count())
    client = logged_in(applicant)

    response = client.post(
        f"/merchants/{merchant.pk}/edit/",
        {**edit_data(merchant, business_scope="改过的范围"), **sources_data([row])},
    )

    assert response.status_code == 200
    [errors] = [form.errors for form in response.context["sources"].forms if form.errors]
    assert list(errors) == [field]
    assert errors.as_data()[field][0].code == "required"
    assert words in errors[field][0]
    assert "This field is required" not in response.content.decode()
    merchant.refresh_from_db()
    assert (merchant.data_sources, merchant.business_scope, MerchantEvent.objects.count()) == before
