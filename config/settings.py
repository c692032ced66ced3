"""Tsunagu settings: one module, read from environment variables (see README, 設定).

The embedded mode (`make run`) needs no variable at all: secrets are created once under var/ and
the database is SQLite under var/. With TSUNAGU_ENV=production every secret must be given and the
app refuses to start without it.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import Env
from config.secrets import parse_file_keys, read_or_create

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("TSUNAGU_VAR_DIR", str(BASE_DIR / "var")))

TSUNAGU_ENV = env.choice("TSUNAGU_ENV", ("development", "production"), "development")
PRODUCTION = TSUNAGU_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY: expected at least 50 random characters.")
else:
    SECRET_KEY = env.optional("SECRET_KEY") or read_or_create(VAR_DIR / "secret_key", "secret_key")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: list the host names, comma-separated.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # tsunagu.ops comes before django_tasks_db so that its db_worker (with heartbeat) wins.
    "tsunagu.core",
    "tsunagu.accounts",
    "tsunagu.ops",
    "tsunagu.audit",
    "tsunagu.notifications",
    "tsunagu.catalog",
    "tsunagu.customers",
    "tsunagu.calendar",
    "tsunagu.ordering",
    "tsunagu.documents",
    "tsunagu.integrations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tsunagu.core.security.SecurityHeadersMiddleware",
    "tsunagu.audit.context.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tsunagu.core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "tsunagu.core.security.IdleTimeoutMiddleware",
    "tsunagu.accounts.middleware.ActiveOrganizationMiddleware",
    "tsunagu.accounts.middleware.RequireTwoFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tsunagu.accounts.context_processors.active_organization",
            ],
        },
    },
]

# Project templates may override Django's form templates (templates/django/forms/field.html puts
# each error under its field).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL)
except ValueError as error:
    raise ImproperlyConfigured(
        "DATABASE_URL: expected sqlite:///PATH or postgres://USER:PASSWORD@HOST:PORT/NAME "
        f"({error})."
    ) from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock when a
    # transaction starts, so concurrent writers wait (up to `timeout` seconds) instead of failing
    # halfway with "database is locked".
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA cache_size=-20000"
        ),
    }
    if _database["NAME"] and _database["NAME"] != ":memory:":
        Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL: expected a sqlite:/// or postgres:// URL.")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every process (login rate limits and lockout rely on it) ---------------
REDIS_URL = env.optional("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tsunagu_cache",
        }
    }

# --- Background work --------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
WORKER_STALE_AFTER_SECONDS = env.int("WORKER_STALE_AFTER_SECONDS", 60, minimum=1)
# Work a worker has claimed (a task, a mail being sent, a billing run, an import) is leased to it
# for this long; its heartbeat renews the lease, and once a lease runs out another worker takes
# the work over.
WORKER_LEASE_SECONDS = env.int("WORKER_LEASE_SECONDS", 60, minimum=2)
if WORKER_LEASE_SECONDS < 2 * WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"WORKER_LEASE_SECONDS={WORKER_LEASE_SECONDS}: expected at least twice "
        f"WORKER_HEARTBEAT_SECONDS ({WORKER_HEARTBEAT_SECONDS}), or a live worker loses its work."
    )
# Billing runs render their PDFs in this many worker processes (0: one per core) once they have
# at least DOCUMENT_RENDER_PARALLEL_FROM invoices to issue.
DOCUMENT_RENDER_PROCESSES = env.int("DOCUMENT_RENDER_PROCESSES", 0, minimum=0)
DOCUMENT_RENDER_PARALLEL_FROM = env.int("DOCUMENT_RENDER_PARALLEL_FROM", 8, minimum=1)

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_ADAPTER = "tsunagu.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Passkeys: log in with the phone's or PC's own lock (fingerprint, face, PIN) instead of a password.
MFA_PASSKEY_LOGIN_ENABLED = True
# WebAuthn needs https; plain http is allowed only outside production (http://localhost in dev).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# Accept the code of the 30 seconds before and after too: phone clocks drift, and a person who
# types slowly should not be refused (RFC 6238 §5.2 recommends allowing one step).
MFA_TOTP_TOLERANCE = 1

# Lockout (CONTRACT.md): LOCKOUT_FAILURES failed logins for one account within
# LOCKOUT_WINDOW_MINUTES lock it until the oldest failure leaves the window; one IP address may
# fail LOCKOUT_IP_FAILURES times in the same window. Counted in the shared cache.
LOCKOUT_FAILURES = env.int("LOCKOUT_FAILURES", 5, minimum=1)
LOCKOUT_WINDOW_MINUTES = env.int("LOCKOUT_WINDOW_MINUTES", 15, minimum=1)
LOCKOUT_IP_FAILURES = env.int("LOCKOUT_IP_FAILURES", 30, minimum=1)
# Behind the TLS proxy every connection comes from the proxy: the client's own address is the one
# the proxies append to X-Forwarded-For. TRUSTED_PROXY_COUNT is how many proxies stand in front
# (0: the header is ignored, since anyone can send it). The rate limits and the operation log use
# that address (tsunagu.core.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, minimum=0)
_window = LOCKOUT_WINDOW_MINUTES * 60
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{LOCKOUT_IP_FAILURES}/{_window}s/ip,{LOCKOUT_FAILURES}/{_window}s/key",
}

INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", 7, minimum=1)

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=300)
# A session unused for this long is logged out (shop PCs are shared).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", 60 * 60 * 2, minimum=60)
USERSESSIONS_TRACK_ACTIVITY = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_MINUTES", 15, minimum=1) * 60
MFA_TOTP_ISSUER = "Tsunagu"

# --- Internationalisation: Japanese first ------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

if PRODUCTION:
    FILE_ENCRYPTION_KEYS = parse_file_keys(
        "FILE_ENCRYPTION_KEYS", env.str("FILE_ENCRYPTION_KEYS", required=True)
    )
else:
    FILE_ENCRYPTION_KEYS = parse_file_keys(
        "FILE_ENCRYPTION_KEYS",
        env.optional("FILE_ENCRYPTION_KEYS")
        or read_or_create(VAR_DIR / "file_encryption_key", "file_key"),
    )

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_HOST = env.optional("EMAIL_HOST")
if PRODUCTION and not EMAIL_HOST:
    raise ImproperlyConfigured("EMAIL_HOST is not set: name the SMTP server that sends mail.")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 20, minimum=1)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: choose one of them, not both.")
else:
    # Development: every mail is written as a file under var/mail/ to read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# The address people open Tsunagu at, for links in mails sent by the worker (no request there).
# Production has no sensible default: mails would link to the operator's own machine.
SITE_URL = env.str("SITE_URL", None if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"SITE_URL={SITE_URL!r}: expected the address people open Tsunagu at, "
        "like https://tsunagu.example.jp."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Tsunagu <noreply@tsunagu.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Preloading HSTS is a lasting promise for every sub-domain; an operator opts in with
# SECURE_HSTS_PRELOAD=true rather than getting a warning for not having made it.
SILENCED_SYSTEM_CHECKS: list[str] = (
    ["security.W021"] if PRODUCTION and not SECURE_HSTS_PRELOAD else []
)

# --- Logs: one line per event, key=value fields -----------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO; only its warnings are worth keeping.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
