"""Every lifecycle, generated from its declarations: action × state × role (STYLE §4, §13).

For each lifecycle and each of its states, the object is walked to that state through the
services. Then every action is tried by every persona, each try in a savepoint that is rolled
back: it is taken exactly when the declaration says the persona may take it from that state;
otherwise it is refused with 403 (not who may take it) or 409 (not from this state) and nothing
changed. A new action or state is covered the moment it is declared.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction

from exchange import clock
from exchange.accounts.roles import OrganisationKind, Role
from exchange.accounts.states import INVITATION_LIFECYCLE, InvitationStatus
from exchange.errors import DomainError
from exchange.lifecycle import Action, Lifecycle
from exchange.registry import services as registry
from exchange.registry.models import Certificate, CertificateKind, CertificateStatus, Right
from exchange.registry.states import CERTIFICATE_LIFECYCLE
from exchange.registry.status import status_of
from listings import services as listings
from listings.models import Board, Objection
from listings.services import checks
from listings.states import (
    LISTING_LIFECYCLE,
    OBJECTION_LIFECYCLE,
    VERSION_LIFECYCLE,
    ListingStatus,
    ObjectionStatus,
    ReviewStage,
    VersionStatus,
)
from merchants import services as merchants
from merchants.states import LIFECYCLE as MERCHANT_LIFECYCLE
from merchants.states import MerchantStatus
from settlement import clearing, contracts, deliveries, disputes, negotiations, subscriptions
from settlement import services as settlement
from settlement.states import (
    BUYER_LIFECYCLE,
    CHANGE_LIFECYCLE,
    NEGOTIATION_LIFECYCLE,
    ORDER_LIFECYCLE,
    BuyerStatus,
    ChangeStatus,
    NegotiationStatus,
    OrderStatus,
)
from tests.factories import (
    PASSWORD,
    create_version,
    credit_code,
    make_organisation,
    make_user,
    merchant_in,
)
from tests.listings.conftest import GOOD_SCORES, passing_checklist
from tests.settlement.conftest import settle_next_working_day

V, L, O, C = VersionStatus, ListingStatus, ObjectionStatus, CertificateStatus  # noqa: E741
I = InvitationStatus  # noqa: E741
LIFECYCLES = {
    "invitation": INVITATION_LIFECYCLE,
    "merchant": MERCHANT_LIFECYCLE,
    "version": VERSION_LIFECYCLE,
    "listing": LISTING_LIFECYCLE,
    "objection": OBJECTION_LIFECYCLE,
    "certificate": CERTIFICATE_LIFECYCLE,
    "buyer": BUYER_LIFECYCLE,
    "order": ORDER_LIFECYCLE,
    "negotiation": NEGOTIATION_LIFECYCLE,
    "contract_change": CHANGE_LIFECYCLE,
}
# States reached by the business clock rather than by an action.
REACHED_BY_TIME = {"certificate": {C.EXPIRED}}


class _Rollback(Exception):
    """Leaves a savepoint without keeping anything it did."""


# --- the declarations themselves -----------------------------------------------------------------


@pytest.mark.parametrize("name", LIFECYCLES)
def test_every_state_is_reachable_and_terminal_states_have_no_exits(name):
    machine = LIFECYCLES[name]
    reached, frontier = {machine.initial}, [machine.initial]
    while frontier:
        for target in machine.transitions[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached | REACHED_BY_TIME.get(name, set()) == set(machine.status)
    for state in machine.terminal:
        assert machine.transitions[state] == frozenset()
        assert not [a for a in machine.actions if state in a.sources and a.target is not None]


@pytest.mark.parametrize("name", LIFECYCLES)
def test_the_main_path_is_a_road_through_the_actions(name):
    machine = LIFECYCLES[name]
    for source, target in itertools.pairwise(machine.main_path):
        assert target in machine.transitions[source], (source, target)


def test_two_actions_that_reach_one_state_stay_two_actions():
    # The signature and the operator's reinstatement both lead to active, from different states,
    # for different people: the graph alone could not tell them apart (issue 8 §1).
    sign, reinstate = MERCHANT_LIFECYCLE["sign"], MERCHANT_LIFECYCLE["reinstate"]
    assert sign.target == reinstate.target == MerchantStatus.ACTIVE
    assert sign.sources == {MerchantStatus.SIGNING}
    assert reinstate.sources == {MerchantStatus.SUSPENDED}


def test_an_unknown_state_or_a_repeated_name_is_refused_when_declared():
    def act(name, sources, target):
        return Action(name, name, frozenset(sources), target, lambda a, o: True, "anyone")

    with pytest.raises(ValueError, match="repeat"):
        Lifecycle(status=C, initial=C.VALID, actions=(act("x", {C.VALID}, None),) * 2)
    with pytest.raises(ValueError, match="unknown states"):
        Lifecycle(status=C, initial=C.VALID, actions=(act("x", {V.DRAFT}, C.VALID),))


# --- the world every lifecycle is tried in --------------------------------------------------------

PERSONAS = (
    "owner_admin",  # merchant admin of the organisation whose object it is
    "owner_staff",
    "insider_operator",  # an operator of that same organisation (the exchange's own data business)
    "insider_compliance",
    "operator",
    "compliance",
    "quality",
    "committee",
    "settlement",
    "auditor",
    "assessor",  # compliance reviewer at a third-party law firm
    "arbitrator",  # at an arbitration commission
    "insider_arbitrator",  # at the dispute desk of the organisation whose product it is
    "buyer",
    "other_merchant",
    "system",  # None: the exchange's automated work
)


@dataclass
class World:
    people: dict
    walkers: dict  # who walks objects to their states (and so is never a persona)


@pytest.fixture
def world(db):
    insider_org = make_organisation(kind=OrganisationKind.EXCHANGE, name="交易所自营数据业务")
    exchange_org = make_organisation(kind=OrganisationKind.EXCHANGE, name="上海数据交易所（测试）")
    assessor_org = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER, name="律师事务所")
    commission_org = make_organisation(kind=OrganisationKind.SERVICE_PROVIDER, name="仲裁委员会")

    def person(role, organisation=None):
        return make_user(role=role, organisation=organisation)

    people = {
        "owner_admin": person(Role.MERCHANT_ADMIN, insider_org),
        "owner_staff": person(Role.MERCHANT_STAFF, insider_org),
        "insider_operator": person(Role.OPERATOR, insider_org),
        "insider_compliance": person(Role.COMPLIANCE_REVIEWER, insider_org),
        "operator": person(Role.OPERATOR, exchange_org),
        "compliance": person(Role.COMPLIANCE_REVIEWER, exchange_org),
        "quality": person(Role.QUALITY_REVIEWER, exchange_org),
        "committee": person(Role.LISTING_COMMITTEE, exchange_org),
        "settlement": person(Role.SETTLEMENT_OPERATOR, exchange_org),
        "auditor": person(Role.AUDITOR, exchange_org),
        "assessor": person(Role.COMPLIANCE_REVIEWER, assessor_org),
        "arbitrator": person(Role.ARBITRATOR, commission_org),
        "insider_arbitrator": person(Role.ARBITRATOR, insider_org),
        "buyer": person(Role.BUYER),
        "other_merchant": person(Role.MERCHANT_ADMIN),
        "system": None,
    }
    walkers = {
        "operator": person(Role.OPERATOR, exchange_org),
        "compliance": person(Role.COMPLIANCE_REVIEWER, assessor_org),
        "quality": person(Role.QUALITY_REVIEWER, exchange_org),
        "registration": person(Role.OPERATOR, exchange_org),
        "committee": person(Role.LISTING_COMMITTEE, exchange_org),
        "objector": person(Role.BUYER),
        "settlement": person(Role.SETTLEMENT_OPERATOR, exchange_org),
        "arbitrator": person(Role.ARBITRATOR, commission_org),
    }
    return World(people, walkers)


@dataclass(frozen=True)
class Harness:
    lifecycle: Lifecycle
    build: Callable  # (world, state, variant) -> the object in that state, walked by services
    take: Callable  # (world, obj, action, actor) -> calls the service that takes the action
    taken: Callable  # (obj, action, state, before) -> bool: did the action happen?
    observe: Callable  # (obj) -> what a refusal must leave as it was
    # Actions that need the state reached another way (a listing suspended with its merchant).
    variant: Callable = lambda action: ""
    # Taken by whoever holds a secret link, not by a role: tried once, by the link's holder.
    link_actions: frozenset = frozenset()


def _events(obj):
    return (type(obj).objects.values_list("status", flat=True).get(pk=obj.pk), obj.events.count())


def _event_taken(obj, action, state, before):
    return obj.events.filter(kind=action.name, from_status=state).exists()


# --- merchants ---------------------------------------------------------------------------------------


def _merchant_take(world, merchant, action, actor):
    call = {
        "submit": merchants.submit_application,
        "start_review": merchants.start_review,
        "sign": merchants.sign_agreement,
        "issue_agreement": merchants.issue_agreement,
    }.get(action.name)
    if call is not None:
        return call(merchant=merchant, actor=actor)
    service = {
        "request_information": merchants.request_information,
        "resubmit": merchants.resubmit_application,
        "approve": merchants.approve_application,
        "reject": merchants.reject_application,
        "suspend": merchants.suspend_merchant,
        "reinstate": merchants.reinstate_merchant,
        "terminate": merchants.terminate_merchant,
        "withdraw": merchants.withdraw_application,
    }[action.name]
    return service(merchant=merchant, actor=actor, reason="理由")


MERCHANT = Harness(
    lifecycle=MERCHANT_LIFECYCLE,
    build=lambda world, state, variant: merchant_in(
        state, applicant=world.people["owner_admin"], operator=world.walkers["operator"]
    ),
    take=_merchant_take,
    taken=_event_taken,
    observe=_events,
)

# --- product versions ---------------------------------------------------------------------------


def _active_merchant(world):
    admin = world.people["owner_admin"]
    if not admin.organisation.merchants.filter(status=MerchantStatus.ACTIVE).exists():
        merchant_in(MerchantStatus.ACTIVE, applicant=admin, operator=world.walkers["operator"])


def _approve(world, version, stage):
    reviewer = world.walkers[stage]
    listings.claim_version(version=version, actor=reviewer)
    listings.decide_version_review(
        version=version,
        actor=reviewer,
        decision="approve",
        checklist=passing_checklist(stage),
        scores=GOOD_SCORES if stage == "quality" else {},
    )
    version.refresh_from_db()


def _to_notice(world, version):
    listings.submit_version(version=version, actor=world.people["owner_admin"])
    listings.run_automated_checks(version_id=version.pk)
    for stage in ("compliance", "quality", "registration"):
        _approve(world, version, stage)


def _register(version):
    clock.set_simulated_time(at=version.notice_ends_at + timedelta(minutes=1))
    listings.close_public_notices()
    version.refresh_from_db()


def _registered_version(world):
    _active_merchant(world)
    version = create_version(world.people["owner_admin"])
    _to_notice(world, version)
    _register(version)
    return version


def _version_in(world, state, variant):
    admin = world.people["owner_admin"]
    if state == V.REGISTERED:
        return _registered_version(world)
    if state == V.SUPERSEDED:
        first = _registered_version(world)
        newer = listings.start_new_version(product=first.product, actor=admin)
        _to_notice(world, newer)
        _register(newer)
        first.refresh_from_db()
        return first
    _active_merchant(world)
    version = create_version(admin)
    if state == V.WITHDRAWN:
        return listings.withdraw_version(version=version, actor=admin)
    if state == V.DRAFT:
        return version
    listings.submit_version(version=version, actor=admin)
    if state == V.AUTO_CHECKS:
        checks._begin(version.pk)  # a worker that has started the checks
    if state in (V.SUBMITTED, V.AUTO_CHECKS):
        version.refresh_from_db()
        return version
    listings.run_automated_checks(version_id=version.pk)
    version.refresh_from_db()
    if state in (V.RETURNED, V.REJECTED):
        reviewer = world.walkers["compliance"]
        listings.claim_version(version=version, actor=reviewer)
        listings.decide_version_review(
            version=version,
            actor=reviewer,
            decision="return" if state == V.RETURNED else "reject",
            comments="请补充",
        )
        version.refresh_from_db()
        return version
    for stage, reached in (
        ("compliance", V.QUALITY_REVIEW),
        ("quality", V.REGISTRATION_REVIEW),
        ("registration", V.PUBLIC_NOTICE),
    ):
        if version.status == state:
            return version
        _approve(world, version, stage)
        assert version.status == reached
    assert version.status == state
    return version


def _version_take(world, version, action, actor):
    name = action.name
    if name == "submit":
        return listings.submit_version(version=version, actor=actor)
    if name == "withdraw":
        return listings.withdraw_version(version=version, actor=actor, reason="撤回")
    if name in ("start_checks", "pass_checks"):
        return listings.run_automated_checks(version_id=version.pk)
    if name == "fail_checks":
        # The stored sample is gone: the checks cannot read it and return the version.
        type(version).objects.filter(pk=version.pk).update(sample="missing/sample.csv")
        return listings.run_automated_checks(version_id=version.pk)
    if name == "register":
        if version.notice_ends_at:
            clock.set_simulated_time(at=version.notice_ends_at + timedelta(minutes=1))
        return listings.close_public_notices()
    if name == "supersede":
        if version.status != V.REGISTERED:
            return None
        newer = listings.start_new_version(
            product=version.product, actor=world.people["owner_admin"]
        )
        _to_notice(world, newer)
        return _register(newer)
    if name == "uphold_objection":
        objection = _objection_on(world, version)
        return listings.decide_objection(objection=objection, actor=actor, uphold=True, note="成立")
    decision, stage = name.split("_", 1)
    _try_to_claim(lambda: listings.claim_version(version=version, actor=actor), actor)
    return listings.decide_version_review(
        version=version,
        actor=actor,
        decision=decision,
        stage=stage,
        checklist=passing_checklist(stage),
        scores=GOOD_SCORES if stage == ReviewStage.QUALITY else {},
        comments="意见",
    )


def _try_to_claim(claim, actor):
    if actor is None:
        return
    try:
        with transaction.atomic():
            claim()
    except DomainError:
        pass  # deciding without a claim is what the service must then refuse


def _objection_on(world, version):
    if version.status == V.PUBLIC_NOTICE:
        return listings.file_objection(
            version=version, actor=world.walkers["objector"], reason="权属存在争议"
        )
    # Outside a notice no objection can be filed; one left pending is what the guard must meet.
    return Objection.objects.create(
        version=version, filed_by=world.walkers["objector"], reason="权属存在争议"
    )


VERSION = Harness(
    lifecycle=VERSION_LIFECYCLE,
    build=_version_in,
    take=_version_take,
    taken=_event_taken,
    observe=_events,
)

# --- listings -----------------------------------------------------------------------------------------


def _listing_in(world, state, variant):
    version = _registered_version(world)
    admin, committee, operator = (
        world.people["owner_admin"],
        world.walkers["committee"],
        world.walkers["operator"],
    )
    listing = listings.apply_for_listing(
        product=version.product, actor=admin, boards=[Board.objects.get(code="credit")]
    )
    if state == L.WITHDRAWN:
        listings.withdraw_listing(listing=listing, actor=admin)
    elif state != L.LISTING_REVIEW:
        listings.claim_listing(listing=listing, actor=committee)
        listings.decide_listing_review(
            listing=listing,
            actor=committee,
            decision="reject" if state == L.REJECTED else "approve",
            checklist=passing_checklist("listing"),
            comments="不符合板块要求" if state == L.REJECTED else "",
        )
        if state == L.SUSPENDED and variant == "with_merchant":
            merchants.suspend_merchant(
                merchant=version.product.merchant, actor=operator, reason="整改"
            )
        elif state in (L.SUSPENDED, L.DELISTED):
            listings.suspend_listing(listing=listing, actor=operator, reason="整改")
        if state == L.DELISTED:
            listings.delist_listing(listing=listing, actor=operator, reason="摘牌")
    listing.refresh_from_db()
    assert listing.status == state
    return listing


def _listing_take(world, listing, action, actor):
    name = action.name
    if name in ("approve", "reject"):
        _try_to_claim(lambda: listings.claim_listing(listing=listing, actor=actor), actor)
        return listings.decide_listing_review(
            listing=listing,
            actor=actor,
            decision=name,
            checklist=passing_checklist("listing"),
            comments="意见",
        )
    if name.endswith("_with_merchant"):
        # Taken with the merchant's own action, by the operator who takes that one.
        merchant = listing.product.merchant
        step = {
            "suspend_with_merchant": merchants.suspend_merchant,
            "reinstate_with_merchant": merchants.reinstate_merchant,
            "delist_with_merchant": merchants.terminate_merchant,
        }[name]
        return step(merchant=merchant, actor=actor, reason="随数商")
    service = {
        "suspend": listings.suspend_listing,
        "reinstate": listings.reinstate_listing,
        "delist": listings.delist_listing,
        "withdraw": listings.withdraw_listing,
    }[name]
    return service(listing=listing, actor=actor, reason="理由")


LISTING = Harness(
    lifecycle=LISTING_LIFECYCLE,
    build=_listing_in,
    take=_listing_take,
    taken=_event_taken,
    observe=_events,
    variant=lambda action: "with_merchant" if action.name.endswith("_with_merchant") else "",
)

# --- objections ---------------------------------------------------------------------------------------


def _objection_in(world, state, variant):
    _active_merchant(world)
    version = create_version(world.people["owner_admin"])
    _to_notice(world, version)
    # The buyer persona files it: the one person who may withdraw it.
    objection = listings.file_objection(
        version=version, actor=world.people["buyer"], reason="权属存在争议"
    )
    operator = world.walkers["operator"]
    if state == O.UPHELD:
        listings.decide_objection(objection=objection, actor=operator, uphold=True, note="成立")
    elif state == O.DISMISSED:
        listings.decide_objection(objection=objection, actor=operator, uphold=False, note="驳回")
    elif state == O.WITHDRAWN:
        listings.withdraw_objection(objection=objection, actor=world.people["buyer"])
    elif state == O.LAPSED:
        listings.withdraw_version(version=version, actor=world.people["owner_admin"])
    objection.refresh_from_db()
    assert objection.status == state
    return objection


def _objection_take(world, objection, action, actor):
    name = action.name
    if name in ("uphold", "dismiss"):
        return listings.decide_objection(
            objection=objection, actor=actor, uphold=name == "uphold", note="决定"
        )
    if name == "withdraw":
        return listings.withdraw_objection(objection=objection, actor=actor)
    # lapse: the version leaves its notice another way
    version = objection.version
    version.refresh_from_db()
    if version.status != V.PUBLIC_NOTICE:
        return None
    return listings.withdraw_version(version=version, actor=world.people["owner_admin"])


OBJECTION = Harness(
    lifecycle=OBJECTION_LIFECYCLE,
    build=_objection_in,
    take=_objection_take,
    taken=_event_taken,
    observe=_events,
)

# --- certificates (a derived status; each amendment kind is an action) --------------------------


def _certificate_in(world, state, variant):
    original = registry.register_data(
        kind=CertificateKind.DATA_RESOURCE,
        registrant_name="上海测试数据科技有限公司",
        registrant_credit_code=credit_code(),
        name="测试数据资源",
        description="测试",
        source="自有业务",
        rights=[Right.RESOURCE_HOLDING.value],
    )
    operator = world.walkers["operator"]
    if state == C.CHANGED:
        subject = (original.subject_type, original.subject_id + 500_000, "第二版")
        registry.amend_certificate(
            original=original, action="change", reason="新版本", actor=None, subject=subject
        )
    kind = {C.CANCELLED: "cancellation", C.REVOKED: "revocation"}.get(state)
    if kind:
        registry.amend_certificate(original=original, action=kind, reason="注销", actor=operator)
    if state == C.EXPIRED:
        clock.set_simulated_time(at=original.valid_until + timedelta(days=1))
    return original


def _certificate_observe(original):
    return (status_of(original), Certificate.objects.filter(original=original).count())


def _certificate_taken(original, action, state, before):
    newest = Certificate.objects.filter(original=original).order_by("-pk").first()
    return _certificate_observe(original)[1] > before[1] and newest.action == action.name


CERTIFICATE = Harness(
    lifecycle=CERTIFICATE_LIFECYCLE,
    build=_certificate_in,
    take=lambda world, original, action, actor: registry.amend_certificate(
        original=original,
        action=action.name,
        reason="依申请登记",
        actor=actor,
        # A change registers the subject's new version (as a product's next version does).
        subject=("tests.resource", original.subject_id + 1_000_000, "新版本")
        if action.name == "change"
        else None,
    ),
    taken=_certificate_taken,
    observe=_certificate_observe,
)

# --- invitations ------------------------------------------------------------------------------------


def _invitation_in(world, state, variant):
    from exchange.accounts import services as accounts

    admin = world.people["owner_admin"]
    invitation = accounts.invite_member(
        organisation=admin.organisation, email="new.colleague@example.com", role="merchant_staff",
        actor=admin,
    )  # fmt: skip
    token = invitation.token
    if state == I.ACCEPTED:
        accounts.accept_invitation(token=token, username="colleague", password=PASSWORD)
    elif state == I.REVOKED:
        accounts.revoke_invitation(invitation=invitation, actor=admin)
    elif state == I.EXPIRED:
        clock.set_simulated_time(at=invitation.expires_at + timedelta(minutes=1))
        accounts.expire_invitations()
    invitation.refresh_from_db()
    invitation.token = token  # the secret is never stored; the test keeps the link
    return invitation


def _invitation_take(world, invitation, action, actor):
    from exchange.accounts import services as accounts

    if action.name == "accept":
        return accounts.accept_invitation(
            token=invitation.token, username="link_holder", password=PASSWORD
        )
    if action.name == "revoke":
        return accounts.revoke_invitation(invitation=invitation, actor=actor)
    if invitation.status == I.PENDING:
        clock.set_simulated_time(at=invitation.expires_at + timedelta(minutes=1))
    return accounts.expire_invitations()


INVITATION = Harness(
    lifecycle=INVITATION_LIFECYCLE,
    build=_invitation_in,
    take=_invitation_take,
    taken=_event_taken,
    observe=_events,
    link_actions=frozenset({"accept"}),
)

# --- buyers and their orders ----------------------------------------------------------------------


def _buyer_in(world, state, variant):
    """The buyer persona's organisation applies to buy; the walking operator decides."""
    applicant = world.people["buyer"]
    buyer = settlement.apply_as_buyer(
        actor=applicant, company_name=applicant.organisation.name, credit_code=credit_code()
    )
    if state == BuyerStatus.VERIFIED:
        settlement.decide_buyer(buyer, "verify", actor=world.walkers["operator"])
    elif state == BuyerStatus.REJECTED:
        settlement.decide_buyer(buyer, "reject", actor=world.walkers["operator"], reason="材料不全")
    buyer.refresh_from_db()
    assert buyer.status == state
    return buyer


BUYER = Harness(
    lifecycle=BUYER_LIFECYCLE,
    build=_buyer_in,
    take=lambda world, buyer, action, actor: settlement.decide_buyer(
        buyer, action.name, actor=actor, reason="理由"
    ),
    taken=_event_taken,
    observe=_events,
)


def _order_in(world, state, variant):
    """The buyer persona, verified and funded, orders the owner's listed product."""
    from exchange.ledger import bank
    from exchange.money import Money
    from settlement.models import Buyer

    listing = _listing_in(world, L.LISTED, "")
    purchaser = world.people["buyer"]
    if not Buyer.objects.filter(organisation=purchaser.organisation).exists():
        _buyer_in(world, BuyerStatus.VERIFIED, "")  # once, for every variant
    deposit = bank.request_deposit(
        actor=purchaser, organisation=purchaser.organisation, amount=Money("20000.00"), key="d"
    )
    if bank.request_of(deposit).is_open:
        bank.confirm(actor=world.walkers["settlement"], hold=deposit)
    version = listing.product.registered_version
    order = settlement.place_order(
        actor=purchaser,
        listing=listing,
        plan=listing.plans.get(kind="monthly"),
        scenario=version.scenarios.first(),
    )
    if variant == "renewal":  # the monthly subscription, settled, and its renewal
        _walk_order(world, order, OrderStatus.SETTLED)
        order = subscriptions.renew(order)
    return _walk_order(world, order, state)


def _walk_order(world, order, state):
    purchaser = world.people["buyer"]
    path = ORDER_LIFECYCLE.main_path
    disputed = state in (OrderStatus.DISPUTED, OrderStatus.DECIDED)
    reached = (
        path.index(OrderStatus.DELIVERED if disputed else state) if state in path or disputed else 0
    )
    if reached >= path.index(OrderStatus.PAID):
        settlement.pay_order(order, actor=purchaser, key="walk", respond=lambda paid: {})
    if reached >= path.index(OrderStatus.DELIVERED):
        deliveries.deliver(order, actor=world.people["owner_admin"], upload=_package())
    if disputed:
        disputes.open_dispute(order, actor=purchaser, reason="缺数据", evidence=_evidence())
    if state == OrderStatus.DECIDED:  # its clearing waits for the commit, which a test never makes
        disputes.decide_dispute(
            order, actor=world.walkers["arbitrator"], outcome="dismiss", reason="证据不足"
        )
    if reached >= path.index(OrderStatus.ACCEPTED) and not disputed:
        settlement.accept_order(order, actor=purchaser)
    if reached >= path.index(OrderStatus.CLEARED):
        clearing.clear_order(order)
    if reached >= path.index(OrderStatus.SETTLED):
        settle_next_working_day()
    if state == OrderStatus.REFUNDED:
        settlement.pay_order(order, actor=purchaser, key="walk", respond=lambda paid: {})
        _past_the_delivery_deadline(order)
        settlement.refund_undelivered()
    if state == OrderStatus.CANCELLED:
        settlement.cancel_order(order, actor=purchaser, reason="需求变更")
    order.refresh_from_db()
    assert order.status == state
    return order


def _past_the_delivery_deadline(order):
    from django.conf import settings

    days = settings.DELIVERY_DEADLINE_DAYS
    clock.set_simulated_time(at=clock.now() + timedelta(days=days, minutes=1))


def _package():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("package.csv", "日期,指数\n2026-01-02,101.5\n".encode(), "text/csv")


def _evidence():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("证据.pdf", b"%PDF-1.4\n%%EOF\n")


def _order_take(world, order, action, actor):
    if action.name == "dispute":
        return disputes.open_dispute(order, actor=actor, reason="缺数据", evidence=_evidence())
    if action.name == "answer":
        return disputes.answer_dispute(order, actor=actor, answer="已按约交付")
    if action.name in ("refund_in_full", "refund_in_part", "dismiss"):
        return disputes.decide_dispute(
            order, actor=actor, outcome=action.name, refund="100.00", reason="理由"
        )
    if action.name == "pay":
        return settlement.pay_order(order, actor=actor, key="try", respond=lambda paid: {})
    if action.name == "deliver":
        return deliveries.deliver(order, actor=actor, upload=_package())
    if action.name == "accept":
        return settlement.accept_order(order, actor=actor)
    if action.name == "lapse":
        base = order.renewal_of
        if base is not None and base.period_end is not None:
            clock.set_simulated_time(at=base.period_end + timedelta(minutes=1))
        return subscriptions.lapse_due()
    if action.name == "refund_undelivered":
        _past_the_delivery_deadline(order)
        return settlement.refund_undelivered()
    if action.name == "clear":
        return clearing.clear_order(order)
    if action.name == "settle":
        return settle_next_working_day()
    if action.name == "auto_accept":
        if order.delivered_at is not None:
            clock.set_simulated_time(at=settlement.acceptance_due_at(order) + timedelta(minutes=1))
        return settlement.accept_due()
    return settlement.cancel_order(order, actor=actor, reason="理由")


ORDER = Harness(
    lifecycle=ORDER_LIFECYCLE,
    build=_order_in,
    take=_order_take,
    taken=_event_taken,
    observe=_events,
    variant=lambda action: "renewal" if action.name == "lapse" else "",
)


def _negotiation_in(world, state, variant):
    """The buyer persona, verified, asks the owner for a quote of a negotiated plan."""
    from listings.models import ListingPlan

    listing = _listing_in(world, L.LISTED, "")
    purchaser, owner = world.people["buyer"], world.people["owner_admin"]
    _buyer_in(world, BuyerStatus.VERIFIED, "")
    plan = ListingPlan.objects.create(listing=listing, kind="negotiated", price_amount=None)
    negotiation = negotiations.request_quote(
        actor=purchaser,
        listing=listing,
        plan=plan,
        scenario=listing.product.registered_version.scenarios.first(),
        requirements="全年数据",
    )
    N = NegotiationStatus
    if state in (N.QUOTED, N.COUNTERED, N.AGREED):
        negotiations.quote(negotiation, actor=owner, amount="500.00")
    if state == N.COUNTERED:
        negotiations.counter(negotiation, actor=purchaser, amount="400.00")
    if state == N.AGREED:
        negotiations.agree(negotiation, actor=purchaser)
    if state == N.DECLINED:
        negotiations.decline(negotiation, actor=owner, reason="无法满足")
    negotiation.refresh_from_db()
    assert negotiation.status == state
    return negotiation


NEGOTIATION = Harness(
    lifecycle=NEGOTIATION_LIFECYCLE,
    build=_negotiation_in,
    take=lambda world, negotiation, action, actor: negotiations.take(
        negotiation, action.name, actor=actor, amount="450.00", reason="理由"
    ),
    taken=_event_taken,
    observe=_events,
)


def _change_in(world, state, variant):
    """The buyer persona proposes to amend the contract of its cleared order with the owner."""
    order = _order_in(world, OrderStatus.CLEARED, "")
    purchaser, owner = world.people["buyer"], world.people["owner_admin"]
    change = contracts.propose(order, actor=purchaser, kind="amend", clauses="第 5 条修改")
    if state == ChangeStatus.AGREED:
        contracts.agree(change, actor=owner)
    elif state == ChangeStatus.REJECTED:
        contracts.reject(change, actor=owner, reason="不同意")
    elif state == ChangeStatus.WITHDRAWN:
        contracts.withdraw(change, actor=purchaser)
    change.refresh_from_db()
    assert change.status == state
    return change


CONTRACT_CHANGE = Harness(
    lifecycle=CHANGE_LIFECYCLE,
    build=_change_in,
    take=lambda world, change, action, actor: contracts.take(
        change, action.name, actor=actor, reason="理由"
    ),
    taken=_event_taken,
    observe=_events,
)

HARNESSES = {
    "invitation": INVITATION,
    "merchant": MERCHANT,
    "version": VERSION,
    "listing": LISTING,
    "objection": OBJECTION,
    "certificate": CERTIFICATE,
    "buyer": BUYER,
    "order": ORDER,
    "negotiation": NEGOTIATION,
    "contract_change": CONTRACT_CHANGE,
}
CASES = [(name, state) for name, harness in HARNESSES.items() for state in harness.lifecycle.status]


def _expected(action: Action, actor, obj, state) -> str:
    if not action.permits(actor, obj):
        return "403"
    if not action.acts_from(state):
        return "409"
    return "taken"


@pytest.mark.parametrize(("name", "state"), CASES, ids=[f"{n}-{s.value}" for n, s in CASES])
def test_every_action_by_every_role_from_every_state(name, state, world):
    harness = HARNESSES[name]
    mismatches, taken_by = [], {}
    variants = {}
    for action in harness.lifecycle.actions:
        variants.setdefault(harness.variant(action), []).append(action)
    for variant, actions in variants.items():
        obj = harness.build(world, state, variant)
        before = harness.observe(obj)
        for action in actions:
            if action.name not in harness.link_actions:
                continue
            obj.refresh_from_db()
            expected = "taken" if action.acts_from(state) else "refused"
            got = _try(harness, world, obj, action, None, state, before)
            got = "refused" if got in ("403", "409") else got
            if got != expected:
                mismatches.append(
                    f"{action.name} by the link's holder: expected {expected}, got {got}"
                )
            if expected == "taken":
                taken_by.setdefault(action.name, []).append("link")
            assert harness.observe(obj) == before, f"{action.name} left a change"
        for action, persona in itertools.product(actions, PERSONAS):
            if action.name in harness.link_actions:
                continue
            actor = world.people[persona]
            if actor is not None and _by_system_only(action, obj, world):
                continue  # no person can even ask: the system's services take no actor
            obj.refresh_from_db()
            expected = _expected(action, actor, obj, state)
            got = _try(harness, world, obj, action, actor, state, before)
            # An automated step, or a step taken along with another, from a state it does not
            # act from simply does not happen: there is nobody to answer 409 to.
            quiet = actor is None or not action.offered
            if got != expected and not (expected == "409" and got == "nothing" and quiet):
                mismatches.append(f"{action.name} by {persona}: expected {expected}, got {got}")
            if expected == "taken":
                taken_by.setdefault(action.name, []).append(persona)
            assert harness.observe(obj) == before, f"{action.name} by {persona} left a change"
    assert not mismatches, "\n".join(mismatches)
    # Not vacuous: every action that acts from this state is taken by someone the world holds.
    untaken = {a.name for a in harness.lifecycle.actions_from(state)} - set(taken_by)
    assert not untaken, f"nobody in the world may take {sorted(untaken)} from {state}"


def _by_system_only(action: Action, obj, world) -> bool:
    return action.permits(None, obj) and not any(
        action.permits(world.people[p], obj) for p in PERSONAS if p != "system"
    )


def _expected(action: Action, actor, obj, state) -> str:
    if not action.permits(actor, obj):
        return "403"
    if not action.acts_from(state):
        return "409"
    return "taken"


def _try(harness, world, obj, action, actor, state, before) -> str:
    """Try the action in a savepoint and roll it back, whatever happened; say what happened."""
    outcome = "nothing"
    try:
        with transaction.atomic():
            try:
                harness.take(world, obj, action, actor)
            except DomainError as error:
                outcome = str(error.http_status)
                raise _Rollback from error
            if harness.taken(obj, action, state, before):
                outcome = "taken"
            raise _Rollback
    except _Rollback:
        pass
    except Exception as error:  # a crash is a finding, reported with the others
        outcome = f"crash {type(error).__name__}: {error}"
    return outcome


# --- every offered action has a way in, on the pages and in the API -------------------------------

# Actions taken through a form of their own rather than a button: the review checklist, the
# certificate's amendment form. The value is the route (page, API) that takes them.
OWN_FORM = {
    "invitation": ("/accounts/invite/secret/", "/api/auth/accept-invitation/"),
    "version": ("/products/versions/1/decide/", "/api/product-versions/1/decide/"),
    "listing": ("/listings/1/decide/", "/api/listings/1/decide/"),
    "certificate": (
        "/registry/DP-2026-0000001-X/amend/",
        "/api/registry/certificates/DP-2026-0000001-X/amendments/",
    ),
    "order": ("/orders/1/decide/", "/api/orders/1/decide/"),  # the arbitrator's three decisions
}
PAGE_AND_API = {
    "invitation": ("/accounts/invitations/1/{slug}/", "/api/invitations/1/{slug}/"),
    "merchant": ("/merchants/1/{slug}/", "/api/merchants/1/{slug}/"),
    "version": ("/products/versions/1/{slug}/", "/api/product-versions/1/{slug}/"),
    "listing": ("/listings/1/{slug}/", "/api/listings/1/{slug}/"),
    "objection": ("/products/objections/1/{slug}/", "/api/objections/1/{slug}/"),
    "buyer": ("/buyers/1/{slug}/", "/api/buyers/1/{slug}/"),
    "order": ("/orders/1/{slug}/", "/api/orders/1/{slug}/"),
    "negotiation": ("/negotiations/1/{slug}/", "/api/negotiations/1/{slug}/"),
    "contract_change": ("/orders/1/changes/1/{slug}/", "/api/orders/1/changes/1/{slug}/"),
}


def _page_views():
    from exchange.accounts.views import INVITATION_ACTIONS
    from listings.views import LISTING_ACTIONS, OBJECTION_ACTIONS, VERSION_ACTIONS
    from merchants.views import ACTION_VIEWS
    from settlement.views import (
        BUYER_ACTIONS,
        CHANGE_ACTIONS,
        NEGOTIATION_ACTIONS,
        ORDER_ACTIONS,
    )

    return {
        "invitation": INVITATION_ACTIONS,
        "merchant": ACTION_VIEWS,
        "version": VERSION_ACTIONS,
        "listing": LISTING_ACTIONS,
        "objection": OBJECTION_ACTIONS,
        "certificate": {},
        "buyer": BUYER_ACTIONS,
        "order": ORDER_ACTIONS,
        "negotiation": NEGOTIATION_ACTIONS,
        "contract_change": CHANGE_ACTIONS,
    }


@pytest.mark.parametrize("name", LIFECYCLES)
def test_every_action_a_person_takes_has_a_page_and_an_api_route(name):
    from django.urls import Resolver404, resolve

    machine, pages = LIFECYCLES[name], _page_views()[name]
    objection_decisions = {"uphold", "dismiss"}  # POST /api/objections/{id}/decide/
    missing = []
    for action in machine.actions:
        if not action.offered or _only_by_system(action):
            continue
        if action.name in pages:
            page, api = (p.format(slug=action.slug) for p in PAGE_AND_API[name])
            if name == "objection" and action.name in objection_decisions:
                api = "/api/objections/1/decide/"
        elif name in OWN_FORM:
            page, api = OWN_FORM[name]
        else:
            missing.append(f"{action.name}: no page takes it")
            continue
        for path in (page, api):
            try:
                resolve(path)
            except Resolver404:
                missing.append(f"{action.name}: {path} does not resolve")
    assert not missing, "\n".join(missing)


def _only_by_system(action: Action) -> bool:
    from exchange.lifecycle import by_system

    return action.allowed is by_system
