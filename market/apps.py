from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    """The exchange's public face: home, navigation, and (later) the market dashboard."""

    name = "market"
    verbose_name = _("Market")
