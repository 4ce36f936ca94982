"""The exchange's public face: the home page, with each role's overview."""

from django.shortcuts import render

from exchange import clock
from listings import selectors as listing_selectors
from merchants import selectors as merchant_selectors
from merchants.permissions import can_see_queue


def home(request):
    user = request.user
    context = {
        "now": clock.now(),
        "directory_count": merchant_selectors.merchant_directory().count(),
        "catalog_count": listing_selectors.search_catalog().count(),
    }
    if user.is_authenticated:
        context["my_merchant"] = merchant_selectors.live_merchant_of(user.organisation_id)
        if can_see_queue(user):
            context["queue_count"] = merchant_selectors.review_queue(user).count()
            context["overdue_count"] = merchant_selectors.overdue_applications().count()
    return render(request, "market/home.html", context)
