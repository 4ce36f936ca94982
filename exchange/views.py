"""Exchange-wide pages: the home page with each role's overview, and notifications."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from exchange import clock, notifications
from exchange.models import Notification
from merchants import selectors as merchant_selectors
from merchants.permissions import can_see_queue


def home(request):
    user = request.user
    context = {
        "now": clock.now(),
        "directory_count": merchant_selectors.merchant_directory().count(),
    }
    if user.is_authenticated:
        context["my_merchant"] = merchant_selectors.live_merchant_of(user.organisation_id)
        if can_see_queue(user):
            context["queue_count"] = merchant_selectors.review_queue(user).count()
            context["overdue_count"] = merchant_selectors.overdue_applications().count()
    return render(request, "exchange/home.html", context)


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
