from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "exchange.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from django.db.models.signals import post_migrate

        from exchange.accounts.staff import sync_staff_groups

        # Every app's post_migrate: permissions of apps later in INSTALLED_APPS exist only by then.
        post_migrate.connect(sync_staff_groups, dispatch_uid="accounts.sync_staff_groups")
