"""The public notice board (公示): anyone reads it, anyone signed in objects from it, and an
operator stepping the business clock past the notice registers the product."""

from django.test import Client

from listings.models import Objection
from listings.states import VersionStatus
from tests.factories import create_version, make_user
from tests.listings.conftest import approve, submit

V = VersionStatus


def in_notice(seller, reviewers):
    version = submit(create_version(seller), seller)
    for stage in ("compliance", "quality", "registration"):
        approve(version, reviewers[stage])
    assert version.status == V.PUBLIC_NOTICE
    return version


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anyone_sees_the_notice_board_and_a_visitor_is_asked_to_log_in(seller, reviewers):
    version = in_notice(seller, reviewers)
    page = Client().get("/notices/")
    assert page.status_code == 200
    assert [v.pk for v in page.context["page"]] == [version.pk]
    content = page.content.decode()
    assert version.name in content and "/accounts/login/" in content
    assert 'data-testid="objection-form"' not in content


def test_a_signed_in_visitor_objects_from_the_board(seller, reviewers):
    from exchange.accounts.roles import Role

    version = in_notice(seller, reviewers)
    buyer = make_user(role=Role.BUYER)
    board = logged_in(buyer)
    assert 'data-testid="objection-form"' in board.get("/notices/").content.decode()
    response = board.post(
        f"/products/versions/{version.pk}/object/",
        {"reason": "该数据权属存在争议", "back": "notices"},
    )
    objection = Objection.objects.get()
    assert response.url == f"/products/objections/{objection.pk}/"
    assert (objection.filed_by, objection.status) == (buyer, "pending")
    assert board.get(response.url).status_code == 200
    # the merchant itself is not offered an objection to its own product
    assert 'data-testid="objection-form"' not in logged_in(seller).get("/notices/").content.decode()


def test_an_empty_objection_is_refused_back_on_the_board(seller, reviewers):
    from exchange.accounts.roles import Role

    version = in_notice(seller, reviewers)
    response = logged_in(make_user(role=Role.BUYER)).post(
        f"/products/versions/{version.pk}/object/", {"reason": " ", "back": "notices"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/notices/"
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not Objection.objects.exists()


def test_an_operator_steps_the_clock_past_the_notice_and_the_product_registers(
    seller, reviewers, django_capture_on_commit_callbacks
):
    version = in_notice(seller, reviewers)
    operator = reviewers["registration"]
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(operator).post("/clock/", {"mode": "advance", "days": "4"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == V.REGISTERED and version.certificate is not None
