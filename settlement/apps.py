from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = _("Trading and settlement")

    def ready(self):
        from exchange.registry import services as registry
        from settlement import reconcile, services

        reconcile.register_checks()
        registry.on_integrated(services.CONTRACT_SUBJECT, services.attach_certificates)
