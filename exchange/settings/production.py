"""Production profile: PostgreSQL, Redis, real workers, HTTPS behind a proxy.

Configured only by the environment, and it refuses to start without what it needs.
"""

from django.core.exceptions import ImproperlyConfigured

from exchange.registry.notes import NoteError, parse_signer_key
from exchange.settings.base import *  # noqa: F403
from exchange.settings.base import INSECURE_SECRET_KEY, env, mailer_from_env

DEBUG = False

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY == INSECURE_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value in production (the embedded default key is refused)."
    )
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must have at least 50 characters and 5 distinct ones."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the hosts this exchange serves.")

if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must point at the production database (postgres://…).")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":  # noqa: F405
    # SQLite has one writer at a time and no row locks: the embedded default's database, for one
    # machine and a classroom, never a production exchange's.
    raise ImproperlyConfigured(
        "DATABASE_URL must point at PostgreSQL (postgres://…) in production; "
        f"{DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} is refused."  # noqa: F405
    )
if not env("CELERY_BROKER_URL", default=""):
    raise ImproperlyConfigured("CELERY_BROKER_URL must point at the broker (redis://…).")

if not REGISTRY_LOG_SIGNER_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "REGISTRY_LOG_SIGNER_KEY must hold the certificate log's Ed25519 signer key "
        "(python manage.py log_key --generate prints one)."
    )
try:
    _log_key_name, _ = parse_signer_key(REGISTRY_LOG_SIGNER_KEY)  # noqa: F405
except NoteError as error:
    raise ImproperlyConfigured(f"REGISTRY_LOG_SIGNER_KEY is not a signer key: {error}") from None
if _log_key_name != REGISTRY_LOG_ORIGIN:  # noqa: F405
    raise ImproperlyConfigured(
        f"REGISTRY_LOG_SIGNER_KEY is named {_log_key_name!r}, not after the log's origin "
        f"{REGISTRY_LOG_ORIGIN!r} (REGISTRY_LOG_ORIGIN)."  # noqa: F405
    )

# HTTPS is terminated by the proxy in front of gunicorn. The API's throttles then tell clients
# apart by the address the proxy adds to X-Forwarded-For (one entry per proxy).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "NUM_PROXIES": env.int("DJANGO_PROXY_COUNT", default=1),
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# /healthz is probed over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False  # the collected, hashed files only

MAILERS = {"default": mailer_from_env("django.core.mail.backends.smtp.EmailBackend")}
# Shared by every web process (locmem would give each its own); the broker's Redis by default.
CACHES = {"default": env.cache("CACHE_URL", default=env("CELERY_BROKER_URL"))}

LOGGING = {
    **LOGGING,  # noqa: F405
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
