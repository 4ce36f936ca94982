"""The embedded default profile: runs with no server at all.

Everything is read through one ``environ.Env``. With no environment the exchange runs on SQLite
(WAL, IMMEDIATE transactions) with Celery in eager mode. ``DATABASE_URL=postgres://…`` and
``CELERY_BROKER_URL=redis://…`` switch the same code to PostgreSQL and Redis with real workers.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
VAR_DIR.mkdir(exist_ok=True)  # the embedded default's database, uploads and mail live here

# An insecure key is fine for the embedded default; production.py refuses it.
INSECURE_SECRET_KEY = "django-insecure-embedded-default-do-not-use-in-production"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=INSECURE_SECRET_KEY)
# Off unless asked for (DJANGO_DEBUG=true): visitors of the demo never see Django's debug page.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "exchange.apps.ExchangeConfig",
    "exchange.accounts.apps.AccountsConfig",
    "exchange.registry.apps.RegistryConfig",
    "exchange.ledger.apps.LedgerConfig",
    "merchants.apps.MerchantsConfig",
    "listings.apps.ListingsConfig",
    "settlement.apps.SettlementConfig",
    "market.apps.MarketConfig",
    "seeds.apps.SeedsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "exchange.middleware.ExchangeLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the user and messages are known (its refusal pages use them), before any view.
    "exchange.middleware.RequestLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "exchange.urls"
WSGI_APPLICATION = "exchange.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "market.navigation.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'exchange.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the writer lock at BEGIN,
        # so two transactions never deadlock upgrading a read lock (STYLE §5).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for the one before it (SQLite's busy timeout).
        "timeout": env.int("SQLITE_TIMEOUT", default=20),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so that a locked-out username never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Failed-login throttle: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

INVITATION_VALID_DAYS = 7
# An API token works this many days after it was issued; then POST /api/auth/token/ gives a new one.
API_TOKEN_VALID_DAYS = env.int("API_TOKEN_VALID_DAYS", default=30)

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ------------------------------------------------------------------
STATIC_URL = "/static/"
# Served from the apps' static folders by whitenoise, so the embedded default needs no
# collectstatic even with DEBUG off (production serves the collected, hashed files instead).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Uploads live outside the static root and have no public URL: a view checks who may read them.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "uploads")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# A whole request body: one upload and the form around it. Larger ones are refused unread (413).
REQUEST_MAX_BYTES = UPLOAD_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
# Documents of one kind on one application or product version (simulator rule): enough for a
# licence in several scans, not a dumping ground.
DOCUMENTS_PER_KIND_MAX = env.int("DOCUMENTS_PER_KIND_MAX", default=10)

# --- E-mail -------------------------------------------------------------------------------------
FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def mailer_from_env(default_backend: str) -> dict:
    """The default mailer: EMAIL_BACKEND (a backend path) or EMAIL_URL (smtp://user:pass@host:587)."""
    if env("EMAIL_URL", default=""):
        config = env.email_url("EMAIL_URL")
        options = {
            "host": config["EMAIL_HOST"],
            "port": config["EMAIL_PORT"],
            "username": config["EMAIL_HOST_USER"],
            "password": config["EMAIL_HOST_PASSWORD"],
            "use_tls": config.get("EMAIL_USE_TLS", False),
            "use_ssl": config.get("EMAIL_USE_SSL", False),
        }
        return {"BACKEND": config["EMAIL_BACKEND"], "OPTIONS": options}
    backend = env("EMAIL_BACKEND", default=default_backend)
    options = (
        {"file_path": env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))}
        if backend == FILE_EMAIL_BACKEND
        else {}
    )
    return {"BACKEND": backend, "OPTIONS": options}


# The embedded default prints e-mail on the console.
MAILERS = {"default": mailer_from_env("django.core.mail.backends.console.EmailBackend")}
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="上海数据交易所模拟 <noreply@exchange.example>"
)
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Cache ----------------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Celery ---------------------------------------------------------------------------------------
# No broker means the embedded default: tasks run in-process, and their errors propagate.
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues: default, checks, notifications, settlement (STYLE §11); workers listen on all four.
CELERY_TASK_ROUTES = {
    "exchange.deliver_notifications": {"queue": "notifications"},
    "accounts.send_invitation": {"queue": "notifications"},
    "listings.run_automated_checks": {"queue": "checks"},
    "settlement.clear_order": {"queue": "settlement"},
    "settlement.clear_orders": {"queue": "settlement"},
    "settlement.settle": {"queue": "settlement"},
}
CELERY_TASK_ACKS_LATE = True
# A message taken by a worker that dies goes back to its queue after this many seconds (Redis).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Every hour, on the hour: invitations past their validity stop being usable.
    "expire-invitations": {
        "task": "accounts.expire_invitations",
        "schedule": crontab(minute=0),
    },
    # Every day at 08:00: operators hear about applications that waited too long for review.
    "remind-overdue-reviews": {
        "task": "merchants.remind_overdue_reviews",
        "schedule": crontab(hour=8, minute=0),
    },
    # Every minute: lapsed review claims go back to their queues.
    "release-expired-claims": {
        "task": "listings.release_expired_claims",
        "schedule": crontab(),
    },
    # Every five minutes: checks whose task was lost (a broker away at submission) are sent again.
    "resume-lost-checks": {
        "task": "listings.resume_lost_checks",
        "schedule": crontab(minute="*/5"),
    },
    # Every five minutes: holds past their expiry on the business clock are released.
    "expire-ledger-holds": {
        "task": "ledger.expire_holds",
        "schedule": crontab(minute="*/5"),
    },
    # Every five minutes: delivered orders whose acceptance window has ended are accepted.
    "accept-due-orders": {
        "task": "settlement.accept_due",
        "schedule": crontab(minute="*/5"),
    },
    "refund-undelivered-orders": {
        "task": "settlement.refund_undelivered",
        "schedule": crontab(minute="*/10"),
    },
    # Every hour: subscriptions near the end of their period renew (a new order, charged); every
    # ten minutes: renewals still unpaid as their period begins lapse.
    "renew-subscriptions": {
        "task": "settlement.renew_due",
        "schedule": crontab(minute=15),
    },
    "lapse-unpaid-renewals": {
        "task": "settlement.lapse_due",
        "schedule": crontab(minute="*/10"),
    },
    # Each morning: the day's settlement batch (on working days; T+1 of the orders cleared
    # before), after clearing any accepted order still waiting.
    "settle-payouts": {
        "task": "settlement.settle",
        "schedule": crontab(hour=9, minute=0),
    },
    # Every minute: registrations sequenced but not yet in the log are integrated (a safety net:
    # each sequencing transaction sends the integrator when it commits).
    "integrate-registrations": {
        "task": "registry.integrate",
        "schedule": crontab(),
    },
    # Every ten minutes: ledger days that have ended are sealed into the certificate log.
    "seal-ledger-days": {
        "task": "ledger.seal_days",
        "schedule": crontab(minute="*/10"),
    },
    # Every five minutes: public notices that have run their time register their products.
    "close-public-notices": {
        "task": "listings.close_public_notices",
        "schedule": crontab(minute="*/5"),
    },
    # Every hour at :30: review items past their time limit are escalated to the operators.
    "escalate-overdue-reviews": {
        "task": "listings.escalate_overdue",
        "schedule": crontab(minute=30),
    },
}

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request then gets 401 with a WWW-Authenticate header.
        "exchange.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "exchange.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON that nests too deep or holds a NUL or a lone surrogate is refused with a 400.
    "DEFAULT_PARSER_CLASSES": [
        "exchange.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "exchange.api.errors.exception_handler",
    # Every API view is throttled per address (anonymous) or per user; sign-up, tokens and
    # invitations have their own, lower scopes. The certificate log's views are not throttled.
    "DEFAULT_THROTTLE_CLASSES": [
        "exchange.api.throttles.AnonRateThrottle",
        "exchange.api.throttles.UserRateThrottle",
        "exchange.api.throttles.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/minute"),
        "user": env("THROTTLE_USER", default="600/minute"),
        # A classroom behind one address signs up together: raise this for it.
        "signup": env("THROTTLE_SIGNUP", default="30/hour"),
        "token": env("THROTTLE_TOKEN", default="30/minute"),
        "invitation": env("THROTTLE_INVITATION", default="30/hour"),
        # The password-reset page: requests per client address, and e-mails per address asked for.
        "password_reset": env("THROTTLE_PASSWORD_RESET", default="10/hour"),
        "password_reset_email": env("THROTTLE_PASSWORD_RESET_EMAIL", default="3/hour"),
    },
    # Clients are told apart by REMOTE_ADDR; production sits behind a proxy (production.py).
    "NUM_PROXIES": env.int("DJANGO_PROXY_COUNT", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Data Exchange Simulator API · 数据交易所模拟 API",
    "DESCRIPTION": (
        "Merchants (数商), listings (挂牌), registration (统一登记) and settlement (集中清算). "
        "Every refusal answers with `{code, message, errors: [{field, code, message}]}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the installed sidecar package: the docs work with no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name "kind": give the document kinds a stable name.
    "ENUM_NAME_OVERRIDES": {
        "DocumentKindEnum": "merchants.models.DocumentKind",
        "ProductDocumentKindEnum": "listings.models.ProductDocumentKind",
        "PlanKindEnum": "listings.models.PlanKind",
        "PersonalInformationKindEnum": "listings.models.PersonalInformationKind",
        "QualityGradeEnum": "listings.models.QualityGrade",
        "VersionStatusEnum": "listings.states.VersionStatus",
        "CertificateKindEnum": "exchange.registry.models.CertificateKind",
        "RegistrationActionEnum": "exchange.registry.models.Action",
        "AmendmentActionEnum": "exchange.registry.models.AMENDMENT_ACTIONS",
        "DeliveryModeEnum": "listings.models.DeliveryMode",
        "SideEnum": "settlement.models.Side",
        "ContractChangeKindEnum": "settlement.models.ChangeKind",
        "DisputeOutcomeEnum": "settlement.models.DisputeOutcome",
        "CallOutcomeEnum": "settlement.models.CallOutcome",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "exchange.api.schema.document_error_responses",
    ],
}

# --- Exchange rules (simulator rules are settings, DOMAIN.md) ----------------------------------
# Days an application may wait in the operator's queue before it counts as overdue (simulator rule).
MERCHANT_REVIEW_SLA_DAYS = env.int("MERCHANT_REVIEW_SLA_DAYS", default=5)
# Default term of a merchant agreement (签约), in months (simulator rule).
MERCHANT_AGREEMENT_TERM_MONTHS = env.int("MERCHANT_AGREEMENT_TERM_MONTHS", default=36)
# A registration certificate is valid one year, renewable (DOMAIN.md §6, one published rule).
CERTIFICATE_VALID_DAYS = env.int("CERTIFICATE_VALID_DAYS", default=365)
# Trade contracts are sequenced in the order's transaction and integrated into the log in batches
# ("batched", Tessera-style: no order waits on the log's head lock); "immediate" appends each one
# in its own transaction (the tests' default, where no transaction commits).
REGISTRY_INTEGRATION = env("REGISTRY_INTEGRATION", default="batched")
# The exchange as a party: it registers its own sealed ledger days (a simulated, well-formed code).
EXCHANGE_NAME = env("EXCHANGE_NAME", default="上海数据交易所（模拟）")
EXCHANGE_CREDIT_CODE = env("EXCHANGE_CREDIT_CODE", default="91310115MA7ALBR13K")

# The demo's simulated bank confirms deposits at once; a real exchange's settlement operators
# confirm each one when the money has arrived.
LEDGER_AUTO_CONFIRM_DEPOSITS = env.bool("LEDGER_AUTO_CONFIRM_DEPOSITS", default=False)

# Trading: how long a buyer has to accept (or dispute) a delivery before it is accepted for them,
# on the business clock; how long a delivery's download link lives; how long a merchant has to
# deliver a paid order before it is refunded.
ACCEPTANCE_WINDOW_DAYS = env.int("ACCEPTANCE_WINDOW_DAYS", default=7)
DELIVERY_DEADLINE_DAYS = env.int("DELIVERY_DEADLINE_DAYS", default=10)
DELIVERY_LINK_SECONDS = env.int("DELIVERY_LINK_SECONDS", default=15 * 60)
# Accepted orders the clearing beat (and each settlement batch) clears together, in one
# transaction and one ledger write.
CLEARING_BATCH = env.int("CLEARING_BATCH", default=500)
# API delivery: the gateway's calls per order (a per-call plan buys its quantity of calls instead)
# and how long a one-off or per-call order's access lasts from the delivery (days on the business
# clock); a subscription's lasts its period.
GATEWAY_CALL_QUOTA = env.int("GATEWAY_CALL_QUOTA", default=10_000)
GATEWAY_VALIDITY_DAYS = env.int("GATEWAY_VALIDITY_DAYS", default=365)
# Subscriptions renew this many days before their period ends (a new order, charged at once).
RENEWAL_NOTICE_DAYS = env.int("RENEWAL_NOTICE_DAYS", default=7)
GATEWAY_PAGE_ROWS = env.int("GATEWAY_PAGE_ROWS", default=100)
# Privacy computing: groups of fewer than k rows are suppressed; each query's time and memory.
PRIVACY_MIN_GROUP_ROWS = env.int("PRIVACY_MIN_GROUP_ROWS", default=10)
PRIVACY_QUERY_SECONDS = env.float("PRIVACY_QUERY_SECONDS", default=5.0)
PRIVACY_QUERY_MEMORY = env("PRIVACY_QUERY_MEMORY", default="256MB")

# Clearing (DOMAIN.md §8; the rates and eligibility are simulator rules). The exchange's service
# fee on the merchant's side is a share of the trade value, per board where a board says so (board
# code → rate); the buyer's service fee is charged with a buyer's first order of each calendar
# year ("year"), with every order ("order"), or never ("none"); the compliance assessor's fee, a
# share of the trade value, is paid to the organisation that assessed the product.
MERCHANT_SERVICE_FEE_RATE = env("MERCHANT_SERVICE_FEE_RATE", cast=Decimal, default=Decimal("0.025"))
MERCHANT_SERVICE_FEE_RATES_BY_BOARD = {}
BUYER_SERVICE_FEE = env("BUYER_SERVICE_FEE", cast=Decimal, default=Decimal("9980.00"))
BUYER_SERVICE_FEE_PERIOD = env("BUYER_SERVICE_FEE_PERIOD", default="year")
ASSESSOR_FEE_RATE = env("ASSESSOR_FEE_RATE", cast=Decimal, default=Decimal("0.01"))
# Subsidies, paid from the subsidy fund (which never goes negative): the trading service-fee
# subsidy (免申即享, no application) returns this share of their service fees to parties
# registered where the division codes say (the 3rd–8th characters of the credit code begin so:
# 31 is Shanghai); the first registration and listing subsidy pays a merchant this much with the
# first cleared order of each product, up to the cap per merchant.
TRADING_FEE_SUBSIDY_RATE = env("TRADING_FEE_SUBSIDY_RATE", cast=Decimal, default=Decimal("0.5"))
TRADING_FEE_SUBSIDY_REGIONS = env.list("TRADING_FEE_SUBSIDY_REGIONS", default=["31"])
FIRST_LISTING_SUBSIDY = env("FIRST_LISTING_SUBSIDY", cast=Decimal, default=Decimal("20000.00"))
FIRST_LISTING_SUBSIDY_CAP = env(
    "FIRST_LISTING_SUBSIDY_CAP", cast=Decimal, default=Decimal("100000.00")
)

# The transparency log of certificates: its origin line (also the signing key's name) and its
# Ed25519 signer key (x/mod note format PRIVATE+KEY+<name>+<id>+<base64>). Without a key, the
# embedded default generates one on first use and keeps it in the database.
REGISTRY_LOG_ORIGIN = env("REGISTRY_LOG_ORIGIN", default="registry.data-exchange.example/log")
REGISTRY_LOG_SIGNER_KEY = env("REGISTRY_LOG_SIGNER_KEY", default="")
# Product review (simulator rules): the public notice (公示) lasts this many days on the business
# clock; a reviewer's claim lapses after this many minutes; an item waiting longer than the review
# time limit in one stage is escalated to the operators.
PUBLIC_NOTICE_DAYS = env.int("PUBLIC_NOTICE_DAYS", default=3)
REVIEW_CLAIM_MINUTES = env.int("REVIEW_CLAIM_MINUTES", default=120)
REVIEW_TIME_LIMIT_DAYS = env.int("REVIEW_TIME_LIMIT_DAYS", default=5)
# Quality grades from the average of the six GB/T 36344 indicators (simulator rule): the lowest
# average that earns each grade, best first; below the last one is E.
QUALITY_GRADE_THRESHOLDS = [("A", 90), ("B", 80), ("C", 70), ("D", 60)]
# Price sanity (simulator rule): list prices outside these bounds, in CNY, are flagged for review.
PRICE_SANITY_BOUNDS = {
    "per_call": ("0.0001", "1000"),
    "monthly": ("1", "5000000"),
    "yearly": ("1", "50000000"),
    "one_off": ("1", "100000000"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
