"""Trading's pages: ordering from a product page, the order with its timeline and the actions its
viewer may take now (pay, cancel), the buyer's application and the operators' verification queue."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from exchange.errors import DomainError
from exchange.ledger import services as ledger
from exchange.ledger.models import AccountPurpose
from exchange.web import csv_download, show_refusal
from listings import selectors as catalogue
from listings.models import DeliveryMode, ListingPlan, PlanKind
from settlement import (
    contracts,
    deliveries,
    disputes,
    negotiations,
    pdf,
    permissions,
    selectors,
    services,
    subscriptions,
)
from settlement.api.serializers import OrderSerializer
from settlement.forms import (
    AnswerForm,
    BuyerApplicationForm,
    BuyerDecisionForm,
    CancelForm,
    ChangeForm,
    DecisionForm,
    DeclineForm,
    DeliveryForm,
    DisputeForm,
    OfferForm,
    OrderForm,
    PayForm,
    QueryForm,
    QuoteRequestForm,
)
from settlement.models import Buyer, ContractChange, Dispute, DisputeOutcome, GatewayAccess
from settlement.states import (
    BUYER_LIFECYCLE,
    CHANGE_LIFECYCLE,
    NEGOTIATION_LIFECYCLE,
    OPEN_NEGOTIATIONS,
    ORDER_LIFECYCLE,
    RELEASED,
    BuyerStatus,
    OrderStatus,
)


@login_required
def order_new(request, plan_pk):
    """Order one plan of a listed product: choose the scenario (and calls, for a per-call plan)."""
    plan = get_object_or_404(ListingPlan.objects.exclude(kind=PlanKind.NEGOTIATED), pk=plan_pk)
    entry = get_object_or_404(catalogue.search_catalog(), listing_id=plan.listing_id)
    version = entry.listing.product.registered_version
    organisation = request.user.organisation
    may_order = organisation is not None and services.may_order(organisation)
    form = OrderForm(
        request.POST or None,
        scenarios=version.scenarios.all(),
        per_call=plan.kind == PlanKind.PER_CALL,
    )
    if request.method == "POST" and may_order and form.is_valid():
        try:
            order = services.place_order(
                actor=request.user,
                listing=entry.listing,
                plan=plan,
                scenario=form.cleaned_data["scenario"],
                quantity=form.cleaned_data["quantity"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            order.contract.refresh_from_db(fields=["certificate"])  # integrated on commit
            number = order.contract.number
            messages.success(
                request,
                _("Order %(order)s placed: the contract is formed and registered (%(number)s).")
                % {"order": order.pk, "number": number}
                if number
                else _("Order %(order)s placed: the contract is formed; its registration follows.")
                % {"order": order.pk},
            )
            return redirect("settlement:order", pk=order.pk)
    context = {
        "entry": entry,
        "plan": plan,
        "form": form,
        "may_order": may_order,
        "application": Buyer.objects.filter(organisation=organisation).first()
        if organisation
        else None,
    }
    return render(request, "settlement/order_new.html", context)


@login_required
def order_list(request):
    orders = selectors.orders_visible_to(request.user)
    status = request.GET.get("status", "")
    if status:
        orders = orders.filter(status=status)
    page = Paginator(orders, 30).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": ORDER_LIFECYCLE.status.choices}
    return render(request, "settlement/order_list.html", context)


@login_required
def order_detail(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    return render(request, "settlement/order_detail.html", _order_page(request, order))


def _order_page(request, order, **forms) -> dict:
    """The order page's context: what the user sees of the order and exactly the actions they
    may take now; ``forms`` replaces a form with a bound one that has errors."""
    offered = {action.name for action in ORDER_LIFECYCLE.available(request.user, order)}
    available = None
    if "pay" in offered:
        account = ledger.account_for(order.buyer, AccountPurpose.AVAILABLE, order.currency)
        available = ledger.balances_of(account).available
    buyer_side = permissions.acts_for_buyer(request.user, order.buyer)
    dispute = Dispute.objects.filter(order=order).select_related("certificate").first()
    live = deliveries.may_reach_data(request.user, order)
    delivered = list(order.deliveries.all())
    links = [
        f"{reverse('settlement:download', args=[d.pk])}?token="
        f"{deliveries.download_token(d, request.user)}"
        if live and d.downloadable
        else None
        for d in delivered
    ]
    access = GatewayAccess.objects.filter(order=order).first()
    computing = next((d for d in delivered if d.mode == DeliveryMode.PRIVACY_COMPUTING), None)
    subscription = subscriptions.state_of(order)
    changes = _changes_seen(request.user, order)
    context = {
        "order": order,
        "events": order.events.all(),
        "payment": getattr(order, "payment", None),
        "pay_form": PayForm() if "pay" in offered else None,
        "cancel_form": CancelForm() if "cancel" in offered else None,
        "delivery_form": DeliveryForm(modes=deliveries.modes_offered(order))
        if "deliver" in offered
        else None,
        "may_accept": "accept" in offered,
        "deliveries": list(zip(delivered, links, strict=True)),
        "any_link": any(links),
        "deliver_by": services.delivery_due_at(order),
        "accept_by": services.acceptance_due_at(order)
        if order.status == OrderStatus.DELIVERED
        else None,
        "link_minutes": settings.DELIVERY_LINK_SECONDS // 60,
        "available": available,
        "enough": available is not None and available >= order.total,
        "lines": selectors.lines_seen_by(request.user, order),
        "dispute": dispute,
        "dispute_form": DisputeForm() if "dispute" in offered else None,
        "answer_form": AnswerForm()
        if "answer" in offered and dispute is not None and dispute.answered_at is None
        else None,
        "decision_form": DecisionForm() if offered & set(DisputeOutcome.values) else None,
        "access": access,
        "calls": access.log.all()[:10] if access else [],
        "may_issue_key": access is not None and live,
        "gateway_url": request.build_absolute_uri(
            reverse("settlement:gateway-rows", args=[order.pk])
        ),
        "computing": computing,
        "queries": order.queries.all()[:20] if computing else [],
        "query_form": QueryForm() if computing and live else None,
        "buyer_side": buyer_side,
        "min_group_rows": settings.PRIVACY_MIN_GROUP_ROWS,
        "subscription": subscription,
        "changes": changes,
        "change_form": ChangeForm(
            scenarios=order.listing.product.registered_version.scenarios.exclude(
                pk=order.scenario_id
            )
        )
        if _may_propose(request.user, order, changes)
        else None,
        "renewal_notice": settings.RENEWAL_NOTICE_DAYS,
        "may_change_renewal": buyer_side and subscription in ("not_started", "renews", "ends"),
    }
    context.update(forms)
    return context


@login_required
@require_POST
def order_pay(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    form = PayForm(request.POST)
    if form.is_valid():
        try:
            payment, made = services.pay_order(
                order,
                actor=request.user,
                key=form.cleaned_data["key"],
                respond=lambda paid: dict(OrderSerializer(paid).data),
            )
        except DomainError as error:
            show_refusal(request, error)
        else:
            if made:
                messages.success(
                    request,
                    _("Paid: %(amount)s is held in escrow until you accept the delivery.")
                    % {"amount": payment.hold.money},
                )
    return redirect("settlement:order", pk=order.pk)


@login_required
@require_POST
def order_cancel(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the order is cancelled."))
        return redirect("settlement:order", pk=order.pk)
    try:
        services.cancel_order(order, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("The order is cancelled; any money held for it is released."))
    return redirect("settlement:order", pk=order.pk)


@login_required
@require_POST
def order_deliver(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    form = DeliveryForm(request.POST, request.FILES, modes=deliveries.modes_offered(order))
    if not form.is_valid():
        messages.error(request, _("Choose the delivery mode and the package to upload."))
        return redirect("settlement:order", pk=order.pk)
    try:
        delivery = deliveries.deliver(
            order,
            actor=request.user,
            upload=form.cleaned_data["file"],
            mode=form.cleaned_data["mode"],
        )
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            DELIVERED[delivery.mode] % {"name": delivery.original_name, "rows": delivery.rows},
        )
    return redirect("settlement:order", pk=order.pk)


DELIVERED = {
    DeliveryMode.FILE: gettext_lazy(
        "Delivered %(name)s (%(rows)s rows): the buyer may download it now."
    ),
    DeliveryMode.PROJECT: gettext_lazy(
        "Delivered %(name)s (%(rows)s rows): the buyer may download it now."
    ),
    DeliveryMode.API: gettext_lazy(
        "Delivered %(name)s (%(rows)s rows) through the gateway: the buyer issues its API key "
        "on this page."
    ),
    DeliveryMode.PRIVACY_COMPUTING: gettext_lazy(
        "Delivered %(name)s (%(rows)s rows) to the privacy-computing engine: the buyer queries "
        "it in aggregate and never receives the rows."
    ),
}


@login_required
@require_POST
def order_gateway_key(request, pk):
    """Issue the order's API key and show it once (the buyer copies it now)."""
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    try:
        access, key = deliveries.issue_key(order, actor=request.user)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("settlement:order", pk=order.pk)
    url = request.build_absolute_uri(reverse("settlement:gateway-rows", args=[order.pk]))
    context = {"order": order, "access": access, "key": key, "gateway_url": url}
    response = render(request, "settlement/gateway_key.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _changes_seen(user, order) -> list:
    """The contract's changes with the actions this viewer may take on each."""
    changes = ContractChange.objects.filter(contract__order=order).select_related(
        "certificate",
        "scenario",
        "proposed_by",
        "contract__order__buyer",
        "contract__order__merchant",
    )
    return [(change, CHANGE_LIFECYCLE.available(user, change)) for change in changes]


def _may_propose(user, order, changes) -> bool:
    """A party of a live contract, with no proposal open (``changes``: _changes_seen)."""
    contract = getattr(order, "contract", None)
    return (
        contract is not None
        and contract.ended_at is None
        and order.status not in RELEASED
        and (
            permissions.acts_for_buyer(user, order.buyer)
            or permissions.acts_for_merchant(user, order.merchant)
        )
        and not any(change.status == "proposed" for change, _actions in changes)
    )


@login_required
@require_POST
def order_change_propose(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    form = ChangeForm(
        request.POST, scenarios=order.listing.product.registered_version.scenarios.all()
    )
    if form.is_valid():
        try:
            contracts.propose(
                order,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                clauses=form.cleaned_data["clauses"],
                scenario=form.cleaned_data["scenario"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("Proposed: the other party agrees or rejects it."))
            return redirect(f"{reverse('settlement:order', args=[order.pk])}#changes")
    context = _order_page(request, order, change_form=form)
    return render(request, "settlement/order_detail.html", context, status=400)


@login_required
@require_POST
def order_change_act(request, pk, change_pk, action):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    change = get_object_or_404(ContractChange, pk=change_pk, contract__order=order)
    chosen = CHANGE_LIFECYCLE.by_slug(action)
    if chosen is None:
        raise Http404
    try:
        contracts.take(
            change, chosen.name, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("%(action)s: done.") % {"action": chosen.label})
    return redirect(f"{reverse('settlement:order', args=[order.pk])}#changes")


CHANGE_ACTIONS = dict.fromkeys(("agree", "reject", "withdraw"), order_change_act)


@login_required
@require_POST
def order_renewal(request, pk):
    """The buyer turns its subscription's renewal on or off."""
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    on = request.POST.get("auto_renew") == "on"
    try:
        subscriptions.set_auto_renew(order, actor=request.user, on=on)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("The subscription renews before its period ends.")
            if on
            else _("The subscription ends with its period; it will not renew."),
        )
    return redirect("settlement:order", pk=order.pk)


@login_required
@require_POST
def order_query(request, pk):
    """Run the buyer's aggregate query; a refused one comes back with the SQL kept."""
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    form = QueryForm(request.POST)
    if form.is_valid():
        try:
            deliveries.ask(order, actor=request.user, sql=form.cleaned_data["sql"])
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("The query ran; its receipt is below."))
            return redirect(f"{reverse('settlement:order', args=[order.pk])}#queries")
    context = _order_page(request, order, query_form=form)
    return render(request, "settlement/order_detail.html", context, status=400)
    try:
        delivery = deliveries.deliver(order, actor=request.user, upload=form.cleaned_data["file"])
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("Delivered %(name)s (%(rows)s rows): the buyer may download it now.")
            % {"name": delivery.original_name, "rows": delivery.rows},
        )
    return redirect("settlement:order", pk=order.pk)


@login_required
@require_POST
def order_accept(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    try:
        services.accept_order(order, actor=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request, _("Accepted: the order is cleared to the merchant at settlement.")
        )
    return redirect("settlement:order", pk=order.pk)


@login_required
def download(request, pk):
    """A delivery's file, for the buyer who holds a valid link; every download is recorded."""
    try:
        delivery = deliveries.delivery_for_download(
            pk, request.GET.get("token", ""), user=request.user
        )
    except DomainError as error:
        raise PermissionDenied(error.message) from error
    response = FileResponse(
        delivery.file.open("rb"), as_attachment=True, filename=delivery.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def buyer_apply(request):
    """Apply for the organisation to buy: its credit code checked, an operator's light review."""
    organisation = request.user.organisation
    if organisation is None or not permissions.acts_for_buyer(request.user, organisation):
        raise PermissionDenied
    application = Buyer.objects.filter(organisation=organisation).first()
    form = BuyerApplicationForm(request.POST or None, initial={"company_name": organisation.name})
    if request.method == "POST" and application is None and form.is_valid():
        try:
            services.apply_as_buyer(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("Applied: an exchange operator verifies it shortly."))
            return redirect("settlement:buyer-apply")
    if application is not None and application.status == BuyerStatus.REJECTED:
        reapply = BUYER_LIFECYCLE["reapply"].permits(request.user, application)
    else:
        reapply = False
    context = {
        "application": application,
        "form": form,
        "reapply": reapply,
        "events": application.events.all() if application else [],
    }
    return render(request, "settlement/buyer_apply.html", context)


@login_required
def buyer_queue(request):
    if not permissions.sees_all_orders(request.user):
        raise PermissionDenied
    applied = selectors.buyers_visible_to(request.user).filter(status=BuyerStatus.APPLIED)
    decided = selectors.buyers_visible_to(request.user).exclude(status=BuyerStatus.APPLIED)[:20]
    rows = [
        (buyer, BUYER_LIFECYCLE.available(request.user, buyer)) for buyer in applied.order_by("id")
    ]
    context = {"rows": rows, "decided": decided, "form": BuyerDecisionForm()}
    return render(request, "settlement/buyer_queue.html", context)


@login_required
@require_POST
def buyer_decide(request, pk, action):
    buyer = get_object_or_404(selectors.buyers_visible_to(request.user), pk=pk)
    chosen = BUYER_LIFECYCLE.by_slug(action)
    if chosen is None:
        raise PermissionDenied
    form = BuyerDecisionForm(request.POST)
    reason = form.data.get("reason", "").strip()
    if chosen.reason == "required" and not reason:
        messages.error(request, _("Say why: the applicant reads the reason."))
    else:
        try:
            services.decide_buyer(buyer, chosen.name, actor=request.user, reason=reason)
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(
                request,
                _("%(company)s: %(action)s.")
                % {"company": buyer.company_name, "action": chosen.label},
            )
    if chosen.name == "reapply":
        return redirect("settlement:buyer-apply")
    return redirect("settlement:buyers")


# --- disputes ----------------------------------------------------------------------------------------


@login_required
@require_POST
def order_dispute(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    form = DisputeForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Say what is wrong with the delivery and attach the evidence."))
        return redirect("settlement:order", pk=order.pk)
    try:
        disputes.open_dispute(order, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _(
                "Disputed: the money stays in escrow until an arbitrator decides. The merchant may answer."
            ),
        )
    return redirect("settlement:order", pk=order.pk)


@login_required
@require_POST
def order_answer(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    form = AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Write your answer to the dispute."))
        return redirect("settlement:order", pk=order.pk)
    try:
        disputes.answer_dispute(order, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Answered: the arbitrator reads both sides before deciding."))
    return redirect("settlement:order", pk=order.pk)


@login_required
@require_POST
def order_decide(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
        return redirect("settlement:order", pk=order.pk)
    try:
        dispute = disputes.decide_dispute(order, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("Decided (%(outcome)s) and registered as %(number)s.")
            % {"outcome": dispute.get_outcome_display(), "number": dispute.certificate.number},
        )
    return redirect("settlement:order", pk=order.pk)


@login_required
def dispute_evidence(request, pk, side):
    """A dispute's evidence (the buyer's, or the merchant's answer's), for whoever sees the order."""
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    dispute = get_object_or_404(Dispute, order=order)
    stored, name = {
        "buyer": (dispute.evidence, dispute.evidence_name),
        "merchant": (dispute.answer_evidence, dispute.answer_evidence_name),
    }.get(side, (None, ""))
    if not stored:
        raise Http404
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def dispute_list(request):
    """The arbitrators' queue: open disputes first, oldest first; then the decided ones."""
    if not permissions.sees_disputes(request.user):
        raise PermissionDenied
    found = selectors.disputes_visible_to(request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        found = found.filter(outcome="")
    elif state == "decided":
        found = found.exclude(outcome="")
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "open": selectors.disputes_visible_to(request.user).filter(outcome="").count(),
    }
    return render(request, "settlement/dispute_list.html", context)


# The lifecycle actions these pages take, and the view that takes each (a form of its own each);
# the three decisions (DisputeOutcome) are one form (order_decide).
ORDER_ACTIONS = {
    "pay": order_pay,
    "deliver": order_deliver,
    "accept": order_accept,
    "cancel": order_cancel,
    "dispute": order_dispute,
    "answer": order_answer,
}
BUYER_ACTIONS = dict.fromkeys(("verify", "reject", "reapply"), buyer_decide)


# --- settlement batches and statements -------------------------------------------------------------


@login_required
def batch_list(request):
    """The exchange's staff: every day's batch. A payee's admin: its statements."""
    batches = selectors.batches_visible_to(request.user)
    if not permissions.sees_all_orders(request.user) and not permissions.sees_statements(
        request.user
    ):
        raise PermissionDenied
    page = Paginator(batches, 30).get_page(request.GET.get("page"))
    context = {"page": page, "all": permissions.sees_all_orders(request.user)}
    return render(request, "settlement/batch_list.html", context)


@login_required
def batch_detail(request, day):
    batch = get_object_or_404(selectors.batches_visible_to(request.user), business_date=day)
    context = {"batch": batch, **selectors.statement(request.user, batch)}
    return render(request, "settlement/batch_detail.html", context)


@login_required
def batch_csv(request, day):
    """The statement as CSV: one row per clearing line of each order, then the payouts."""
    batch = get_object_or_404(selectors.batches_visible_to(request.user), business_date=day)
    seen = selectors.statement(request.user, batch)
    response, writer = csv_download(f"settlement-{day}.csv")
    writer.writerow(
        [_("Order"), _("Line"), _("From"), _("To"), _("Amount"), _("Currency"), _("Rule"),
         _("Transfer")]
    )  # fmt: skip
    for order, lines in seen["orders"]:
        for line in lines:
            t = line.transfer
            writer.writerow(
                [order.pk, line.get_kind_display(), t.debit_account, t.credit_account,
                 line.money.to_api(), line.currency, line.rule, t.key]
            )  # fmt: skip
    for payout in seen["payouts"]:
        writer.writerow(
            ["", _("Payout"), payout.account, _("the bank"), payout.money.to_api(),
             payout.currency, _("%(orders)s orders") % {"orders": payout.orders},
             payout.transfer.key]
        )  # fmt: skip
    return response


@login_required
def order_receipt_pdf(request, pk):
    """The order's receipt as a PDF: what was bought and paid, and the viewer's clearing lines."""
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    body = pdf.receipt_pdf(order=order, lines=selectors.lines_seen_by(request.user, order))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{order.pk}.pdf"'
    return response


@login_required
def order_receipt_csv(request, pk):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    response, writer = csv_download(f"receipt-{order.pk}.csv")
    writer.writerow([_("Order"), _("Line"), _("From"), _("To"), _("Amount"), _("Currency"),
                     _("Rule"), _("Transfer")])  # fmt: skip
    writer.writerow([order.pk, _("Trade value"), order.buyer.name, order.merchant.company_name,
                     order.value.to_api(), order.currency, "", ""])  # fmt: skip
    if order.buyer_fee_amount:
        writer.writerow([order.pk, _("Buyer's service fee"), order.buyer.name, "",
                         order.buyer_fee.to_api(), order.currency, "", ""])  # fmt: skip
    for line in selectors.lines_seen_by(request.user, order):
        t = line.transfer
        writer.writerow([order.pk, line.get_kind_display(), t.debit_account, t.credit_account,
                         line.money.to_api(), line.currency, line.rule, t.key])  # fmt: skip
    return response


@login_required
def batch_pdf(request, day):
    batch = get_object_or_404(selectors.batches_visible_to(request.user), business_date=day)
    body = pdf.statement_pdf(batch=batch, **selectors.statement(request.user, batch))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="settlement-{day}.pdf"'
    return response


# --- negotiated plans: the quote round -----------------------------------------------------------


@login_required
def negotiation_new(request, plan_pk):
    """Request a quote for a negotiated plan: the scenario and what the buyer needs."""
    plan = get_object_or_404(ListingPlan.objects.filter(kind=PlanKind.NEGOTIATED), pk=plan_pk)
    entry = get_object_or_404(catalogue.search_catalog(), listing_id=plan.listing_id)
    version = entry.listing.product.registered_version
    organisation = request.user.organisation
    may_order = organisation is not None and services.may_order(organisation)
    form = QuoteRequestForm(request.POST or None, scenarios=version.scenarios.all())
    if request.method == "POST" and may_order and form.is_valid():
        try:
            negotiation = negotiations.request_quote(
                actor=request.user,
                listing=entry.listing,
                plan=plan,
                scenario=form.cleaned_data["scenario"],
                requirements=form.cleaned_data["requirements"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, _("Your request is with the merchant, who quotes a price."))
            return redirect("settlement:negotiation", pk=negotiation.pk)
    context = {"entry": entry, "plan": plan, "form": form, "may_order": may_order}
    return render(request, "settlement/negotiation_new.html", context)


@login_required
def negotiation_list(request):
    negotiations_seen = selectors.negotiations_visible_to(request.user)
    tab = request.GET.get("tab", "open")
    if tab == "open":
        negotiations_seen = negotiations_seen.filter(status__in=sorted(OPEN_NEGOTIATIONS))
    elif tab == "closed":
        negotiations_seen = negotiations_seen.exclude(status__in=sorted(OPEN_NEGOTIATIONS))
    page = Paginator(negotiations_seen, 30).get_page(request.GET.get("page"))
    return render(request, "settlement/negotiation_list.html", {"page": page, "tab": tab})


@login_required
def negotiation_detail(request, pk):
    negotiation = get_object_or_404(selectors.negotiations_visible_to(request.user), pk=pk)
    offered = {a.name for a in NEGOTIATION_LIFECYCLE.available(request.user, negotiation)}
    context = {
        "negotiation": negotiation,
        "offers": negotiation.offers.select_related("made_by"),
        "last_offer": negotiation.last_offer,
        "events": negotiation.events.all(),
        "offer_form": OfferForm() if offered & {"quote", "counter"} else None,
        "offer_action": "quote" if "quote" in offered else "counter",
        "may_agree": bool(offered & {"agree", "agree_counter"}),
        "agree_slug": "agree" if "agree" in offered else "agree-counter",
        "decline_form": DeclineForm() if "decline" in offered else None,
    }
    return render(request, "settlement/negotiation_detail.html", context)


NEGOTIATION_FORMS = {"quote": OfferForm, "counter": OfferForm, "decline": DeclineForm}


@login_required
@require_POST
def negotiation_act(request, pk, action):
    negotiation = get_object_or_404(selectors.negotiations_visible_to(request.user), pk=pk)
    chosen = NEGOTIATION_LIFECYCLE.by_slug(action)
    if chosen is None:
        raise Http404
    form = NEGOTIATION_FORMS.get(chosen.name)
    data = {}
    if form is not None:
        bound = form(request.POST)
        if not bound.is_valid():
            for errors in bound.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("settlement:negotiation", pk=negotiation.pk)
        data = bound.cleaned_data
    try:
        result = negotiations.take(negotiation, chosen.name, actor=request.user, **data)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("settlement:negotiation", pk=negotiation.pk)
    if chosen.name in ("agree", "agree_counter"):
        messages.success(
            request,
            _("Agreed: the contract is formed and registered; the buyer pays the order now."),
        )
        return redirect("settlement:order", pk=result.order_id)
    messages.success(request, _("%(action)s: done.") % {"action": chosen.label})
    return redirect("settlement:negotiation", pk=negotiation.pk)


NEGOTIATION_ACTIONS = dict.fromkeys(
    ("quote", "counter", "agree", "agree_counter", "decline"), negotiation_act
)
