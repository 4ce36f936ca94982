"""The ledger's pages: an organisation's funds and statements; the settlement operators' bank
queue; the reconciliation report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exchange.errors import DomainError
from exchange.ledger import bank, permissions, selectors, services
from exchange.ledger.forms import BankMoveForm
from exchange.ledger.reconcile import reconcile
from exchange.web import csv_download, show_refusal


@login_required
def funds(request):
    """Our accounts and their balances, and money in and out (settlement and auditors: all)."""
    user = request.user
    accounts = list(selectors.accounts_visible_to(user))
    if not accounts and not permissions.may_move_funds(user, user.organisation):
        raise PermissionDenied
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    balances = services.balances(list(page))
    holds = selectors.bank_holds_visible_to(user)[:10]
    context = {
        "page": page,
        "rows": [(account, balances[account.pk]) for account in page],
        "may_move": permissions.may_move_funds(user, user.organisation),
        "sees_all": permissions.sees_all(user),
        "requests": bank.requests(holds),
        "deposit_form": BankMoveForm(prefix="deposit"),
        "withdrawal_form": BankMoveForm(prefix="withdrawal"),
    }
    return render(request, "ledger/funds.html", context)


@login_required
@require_POST
def move_funds(request, code):
    if code not in bank.CODES:
        raise PermissionDenied
    form = BankMoveForm(request.POST, prefix=code)
    if form.is_valid():
        ask = bank.request_deposit if code == bank.DEPOSIT else bank.request_withdrawal
        try:
            hold = ask(
                actor=request.user,
                organisation=request.user.organisation,
                amount=form.money(),
                key=form.cleaned_data["key"],
            )
        except DomainError as error:
            show_refusal(request, error)
        else:
            done = (
                _("Deposit of %(amount)s requested: it is available once the bank confirms it.")
                if code == bank.DEPOSIT
                else _(
                    "Withdrawal of %(amount)s requested: the amount is held until it is paid out."
                )
            )
            messages.success(request, done % {"amount": hold.money})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("ledger:funds")


@login_required
def statement(request, pk):
    account = get_object_or_404(selectors.accounts_visible_to(request.user), pk=pk)
    lines = selectors.statement(account)
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    context = {"account": account, "balances": services.balances_of(account), "page": page}
    return render(request, "ledger/statement.html", context)


@login_required
def statement_csv(request, pk):
    account = get_object_or_404(selectors.accounts_visible_to(request.user), pk=pk)
    response, writer = csv_download(f"statement-{account.pk}-{timezone.localdate():%Y%m%d}.csv")
    writer.writerow(
        [
            _("Booked at"),
            _("Transfer"),
            _("Kind"),
            _("What"),
            _("Counterparty"),
            _("Out"),
            _("In"),
            _("Balance"),
            _("Held"),
            _("Currency"),
        ]
    )
    for line in selectors.statement(account, newest_first=False):
        t = line.transfer
        writer.writerow(
            [
                timezone.localtime(t.booked_at).strftime("%Y-%m-%d %H:%M:%S"),
                t.key,
                t.get_kind_display(),
                t.what,
                str(line.counterparty),
                line.debit.to_api() if line.debit else "",
                line.credit.to_api() if line.credit else "",
                line.balance.to_api(),
                line.held.to_api(),
                account.currency,
            ]
        )
    return response


@login_required
def bank_queue(request):
    """Deposits and withdrawals waiting for the bank, and the latest decided (settlement)."""
    if not permissions.sees_all(request.user):
        raise PermissionDenied
    holds = selectors.bank_holds_visible_to(request.user)
    found = bank.requests(holds.filter(resolutions__isnull=True).order_by("id"))
    decided = bank.requests(holds.filter(resolutions__isnull=False)[:20])
    context = {
        "open": found,
        "decided": decided,
        "may_settle": permissions.may_settle(request.user),
    }
    return render(request, "ledger/bank_queue.html", context)


@login_required
@require_POST
def decide(request, pk, decision):
    hold = get_object_or_404(selectors.bank_holds_visible_to(request.user), pk=pk)
    act = {"confirm": bank.confirm, "reject": bank.reject}.get(decision)
    if act is None:
        raise PermissionDenied
    try:
        act(actor=request.user, hold=hold)
    except DomainError as error:
        show_refusal(request, error)
    else:
        what = _("deposit") if hold.code == bank.DEPOSIT else _("withdrawal")
        messages.success(
            request,
            (
                _("The %(what)s of %(amount)s is confirmed.")
                if decision == "confirm"
                else _("The %(what)s of %(amount)s is rejected; its hold is released.")
            )
            % {"what": what, "amount": hold.money},
        )
    return redirect("ledger:bank")


@login_required
def reconciliation(request):
    if not permissions.sees_all(request.user):
        raise PermissionDenied
    report = reconcile()
    return render(request, "ledger/reconcile.html", {"report": report})
