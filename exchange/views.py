"""Exchange-wide pages: notifications and the business clock."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from exchange import clock, notifications
from exchange.accounts.roles import EXCHANGE_STAFF_ROLES
from exchange.errors import DomainError
from exchange.forms import ClockForm
from exchange.models import Notification
from exchange.web import show_refusal


@login_required
def notification_list(request):
    page = Paginator(Notification.objects.filter(recipient=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "exchange/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(notification=notification, actor=request.user)
    return redirect(notification.url or "notifications")


@login_required
@require_POST
def notification_read_all(request):
    notifications.mark_all_read(actor=request.user)
    return redirect("notifications")


@login_required
def clock_page(request):
    """The business clock: every deadline reads it; operators step it (a class watches a notice end)."""
    if not request.user.has_role(*EXCHANGE_STAFF_ROLES):
        raise PermissionDenied
    form = ClockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clock.change(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(
                request,
                _("The business clock now reads %(now)s; the scheduled work has run.")
                % {"now": timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect("clock")
    context = {
        "now": clock.now(),
        "real_now": clock.real_now(),
        "is_simulated": clock.is_simulated(),
        "can_change": clock.can_change(request.user),
        "form": form,
    }
    return render(request, "exchange/clock.html", context)
