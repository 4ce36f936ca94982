"""Test profile: the base profile with a fast hasher and in-memory e-mail.

It still honours DATABASE_URL and CELERY_BROKER_URL, so one suite runs on both profiles.
"""

import tempfile
from pathlib import Path

from exchange.settings.base import *  # noqa: F403
from exchange.settings.base import env, mailer_from_env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Uploads of one test run go to a fresh temporary folder.
PRIVATE_MEDIA_ROOT = Path(
    env("PRIVATE_MEDIA_ROOT", default=tempfile.mkdtemp(prefix="exchange-test-uploads-"))
)
STORAGES["private"]["OPTIONS"]["location"] = PRIVATE_MEDIA_ROOT  # noqa: F405
# In-memory e-mail; a worker process started by the integration tests sets EMAIL_BACKEND to the
# file backend instead, so that the tests can read what it sent.
MAILERS = {"default": mailer_from_env("django.core.mail.backends.locmem.EmailBackend")}
# Tests drive the throttle explicitly; a low limit keeps them quick.
AXES_FAILURE_LIMIT = 3
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The API's throttles are switched off (a rate of None) so that no test trips over another's
# count; the tests of the throttles set rates themselves (tests/conftest.py, ``throttle_rates``).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),  # noqa: F405
}
