from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = _("Trading and settlement")

    def ready(self):
        from settlement import reconcile

        reconcile.register_checks()
