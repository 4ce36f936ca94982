from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Exchange")

    def ready(self):
        # Django 6.1's select placeholder "- Select an option -" has no Chinese in Django's own
        # catalogue; every select offers the project's placeholder instead (Django invites
        # apps to set it here).
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = _("— choose —")
