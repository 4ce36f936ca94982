"""Settings for bench/bench_ledger.py only: the project with django-hordak beside it, so that both
ledgers write to the same PostgreSQL database in the same run. Never used by the project."""

from exchange.settings.test import *  # noqa: F403
from exchange.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "mptt", "djmoney", "hordak"]
DEFAULT_CURRENCY = "CNY"
HORDAK_CURRENCIES = ["CNY"]
CURRENCIES = ["CNY"]
HORDAK_INTERNAL_CURRENCY = "CNY"
