"""Test profile: the base profile with a fast hasher and in-memory e-mail.

It still honours DATABASE_URL and CELERY_BROKER_URL, so one suite runs on both profiles.
"""

from exchange.settings.base import *  # noqa: F403
from exchange.settings.base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default="/tmp/exchange-test-uploads"))  # noqa: F405
STORAGES["private"]["OPTIONS"]["location"] = PRIVATE_MEDIA_ROOT  # noqa: F405
# Tests drive the throttle explicitly; a low limit keeps them quick.
AXES_FAILURE_LIMIT = 3
LOGGING = {"version": 1, "disable_existing_loggers": False}
