from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "exchange.registry"
    label = "registry"
    verbose_name = _("Unified registration")

    def ready(self):
        # Registers the SQLite function the append-only triggers ask before a delete.
        from exchange.registry import triggers  # noqa: F401
