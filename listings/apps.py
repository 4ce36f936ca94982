from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = _("Data products and listings")

    def ready(self):
        # A merchant's standing carries its sale items with it (issue 8 §5): the merchants app
        # sits below this one, so this app follows the merchant's actions (exchange.lifecycle).
        from exchange import lifecycle
        from listings.services import listing
        from merchants.models import Merchant

        lifecycle.follow(Merchant, "suspend", listing.follow_merchant_suspension)
        lifecycle.follow(Merchant, "reinstate", listing.follow_merchant_reinstatement)
        lifecycle.follow(Merchant, "terminate", listing.follow_merchant_termination)
