"""mesodesk settings: one module, driven by environment variables (healthchecks style).

Development (`make run`) sets DEBUG=1; everything else defaults to production-safe values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets generic Django classes (ModelAdmin[Patient], QuerySet[Patient]) be subscripted at runtime.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MESODESK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
TESTING = env_bool("MESODESK_TESTING")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "Set the SECRET_KEY environment variable (make run generates one under var/)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "huey.contrib.djhuey",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "mesodesk.core",
    "mesodesk.knowledge",
    "mesodesk.accounts",
    "mesodesk.audit",
    "mesodesk.notifications",
    "mesodesk.patients",
    "mesodesk.staff",
    "mesodesk.screening",
    "mesodesk.catalog",
    "mesodesk.treatments",
    "mesodesk.consent",
    "mesodesk.sessions",
    "mesodesk.scheduling",
    "mesodesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "mesodesk.core.middleware.NoStoreMiddleware",
    "mesodesk.core.middleware.RateLimitMiddleware",
    "mesodesk.core.middleware.NulByteMiddleware",
    "mesodesk.core.middleware.RetryConflictMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mesodesk.accounts.middleware.IdleTimeoutMiddleware",
    "mesodesk.accounts.mfa_middleware.MfaRequiredMiddleware",
    "mesodesk.accounts.middleware.ActiveClinicMiddleware",
    "mesodesk.accounts.kiosk.KioskLockMiddleware",
    "mesodesk.audit.middleware.RefusalAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "mesodesk.core.middleware.NotFoundMiddleware",
]

ROOT_URLCONF = "mesodesk.urls"
WSGI_APPLICATION = "mesodesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mesodesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mesodesk.accounts.context_processors.clinic_context",
                "mesodesk.staff.context_processors.staff_context",
            ],
            "builtins": ["mesodesk.core.templatetags.mesodesk"],
        },
    },
]

# --- Database --------------------------------------------------------------------------
# SQLite by default (one laptop); PostgreSQL through DATABASE_URL (a clinic chain).
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", VAR_DIR / "mesodesk.sqlite3"))
SQLITE_OPTIONS: dict[str, Any] = {
    # WAL lets readers run beside the writer; FULL sync survives power loss; IMMEDIATE
    # transactions take the write lock up front so concurrent writers wait instead of
    # failing with "database is locked" half-way through.
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=FULL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=5000;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 5,
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    else:
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": SQLITE_OPTIONS,
            # A file, not memory: shared-cache memory databases lock whole tables, so tests of
            # concurrent writers would fail for a reason production never meets.
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH", str(VAR_DIR / "test.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests hash thousands of passwords. Production keeps argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    # Offline breached-password check: a superset of Django's CommonPasswordValidator list.
    {"NAME": "mesodesk.accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A reset link works once and for an hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)

# Multi-factor authentication (django-otp): TOTP apps, single-use recovery codes and passkeys.
# Which roles must use it is a per-clinic setting (accounts.ClinicMfaPolicy).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "mesodesk")
OTP_TOTP_THROTTLE_FACTOR = 1  # failed codes slow further attempts (1 s, 2 s, 4 s, ...)
OTP_STATIC_THROTTLE_FACTOR = 1
# Passkeys (django-otp-webauthn) need a secure context and a domain name, never an IP address:
# an https:// SITE_URL, or http://localhost in development. Elsewhere the pages offer TOTP only.
_SITE_HOST = SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
MFA_PASSKEYS_ENABLED = env_bool(
    "MFA_PASSKEYS_ENABLED",
    SITE_URL.startswith("https://") or SITE_URL.startswith("http://localhost"),
)
OTP_WEBAUTHN_RP_ID = os.environ.get(
    "OTP_WEBAUTHN_RP_ID", _SITE_HOST if MFA_PASSKEYS_ENABLED else "localhost"
)
OTP_WEBAUTHN_RP_NAME = os.environ.get("OTP_WEBAUTHN_RP_NAME", "mesodesk")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS", SITE_URL if MFA_PASSKEYS_ENABLED else "http://localhost:8000"
)
# Passkeys are a second factor after the password (and its lockout), never a way around it.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "patients:list"
LOGOUT_REDIRECT_URL = "accounts:login"

# The client's address: with TRUSTED_PROXY_COUNT = n, the n-th entry from the right of
# X-Forwarded-For (what the nearest of n trusted proxies saw); with 0, REMOTE_ADDR only. Audit
# events, django-axes and the rate limits all read it through mesodesk.core.clientip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Lockout after repeated failed logins (django-axes): per user name AND address, so nobody
# can lock a known account from another address. Spraying one password across many user
# names from one address is slowed by LOGIN_RATE below.
AXES_CLIENT_IP_CALLABLE = "mesodesk.core.clientip.client_ip"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# Idle log-out: sessions end after this many seconds without a request, and in any case this
# many seconds after log-in (the absolute lifetime). The middleware enforces both; the session
# store keeps a session a little longer than the absolute lifetime so it never expires first
# (an expired store would drop the user without the idle notice and break HTMX requests).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 15 * 60)
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 12 * 60 * 60)
SESSION_COOKIE_AGE = max(SESSION_ABSOLUTE_LIFETIME, SESSION_IDLE_TIMEOUT) + 5 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security (production defaults; DEBUG relaxes transport security only) -------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Shared cache and rate limits ------------------------------------------------------
# One cache every gunicorn worker shares: a table in the database by default (created by the
# core migration), Redis for a chain (CACHE_REDIS_URL; install `redis`). Rates are
# "count/period" (s, m, h, d; e.g. 20/10m); an answer over the limit is 429 with Retry-After.
CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
CACHES: dict[str, Any] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL}
        if CACHE_REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "mesodesk_cache",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    )
}
API_RATE = os.environ.get("API_RATE", "600/m")  # per bearer token (per address without one)
INTAKE_RATE = os.environ.get("INTAKE_RATE", "30/m")  # intake link pages, per address
LOGIN_RATE = os.environ.get("LOGIN_RATE", "30/15m")  # log-in attempts, per address

# --- Content-Security-Policy (django-csp 4) -------------------------------------------
# No inline script anywhere: every script is a static file. Style attributes in templates
# (a width here and there) are allowed through style-src-attr only; <style> elements and
# htmx's injected indicator style are not (htmx-config in base.html turns that style off).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Ten megabytes of text must reach the form so it can answer with a field error.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 16 * 1024 * 1024)

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "mesodesk" / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- E-mail ----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mesodesk <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks (huey) -----------------------------------------------------------
# Embedded default: a SQLite queue file beside the database, no extra server. A chain points
# HUEY_REDIS_URL at Redis and runs `manage.py run_huey` on as many hosts as it likes.
HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL", "")
HUEY: dict[str, Any]
if HUEY_REDIS_URL:
    HUEY = {
        "name": "mesodesk",
        "huey_class": "huey.PriorityRedisHuey",
        "url": HUEY_REDIS_URL,
        "immediate": False,
    }
else:
    HUEY = {
        "name": "mesodesk",
        "huey_class": "huey.SqliteHuey",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING or env_bool("HUEY_IMMEDIATE"),
    }
HUEY["consumer"] = {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"}

# --- mesodesk --------------------------------------------------------------------------
INTAKE_LINK_TTL_HOURS = env_int("INTAKE_LINK_TTL_HOURS", 72)
# Staff invitations: how long a set-password link stays usable.
STAFF_INVITATION_TTL_HOURS = env_int("STAFF_INVITATION_TTL_HOURS", 72)
# Break-glass: how long emergency access to a chart lasts unless the clinic sets its own.
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 60)
PATIENT_PAGE_SIZE = 25


def env_secret(name: str, default_file: Path) -> str:
    """A secret from the environment, else from `<NAME>_FILE` or a default file; '' if none."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    path = Path(os.environ.get(f"{name}_FILE", default_file))
    return path.read_text().strip() if path.is_file() else ""


# --- Audit trail: keyed chain and checkpoints outside the database ----------------------
# The HMAC key never lives in the database: a database writer without it cannot forge a link.
# `make run` generates var/audit_hmac_key; production sets AUDIT_HMAC_KEY (or _FILE).
AUDIT_HMAC_KEY = env_secret("AUDIT_HMAC_KEY", VAR_DIR / "audit_hmac_key")
# Signed chain heads, appended on a schedule. Put it on storage the database host cannot
# rewrite (see docs/SECURITY.md for an append-only mount or an S3 bucket with object lock).
AUDIT_CHECKPOINT_PATH = Path(
    os.environ.get("AUDIT_CHECKPOINT_PATH", VAR_DIR / "audit" / "checkpoints.jsonl")
)
AUDIT_CHECKPOINT_MINUTES = env_int("AUDIT_CHECKPOINT_MINUTES", 15)
# Repeated refusals (403/404) of one user on one path within this window become one event.
AUDIT_REFUSAL_WINDOW_SECONDS = env_int("AUDIT_REFUSAL_WINDOW_SECONDS", 600)

# --- Backups -----------------------------------------------------------------------------
# The key is the clinic's to keep (a password manager, a sealed envelope): never inside a
# backup and never on the same disk as the backups if it can be helped.
BACKUP_KEY = env_secret("BACKUP_KEY", VAR_DIR / "backup_key")
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)
BACKUP_HOUR = env_int("BACKUP_HOUR", 2)

# --- Health check thresholds (/healthz) --------------------------------------------------
HEALTH_HEARTBEAT_MAX_SECONDS = env_int("HEALTH_HEARTBEAT_MAX_SECONDS", 5 * 60)
HEALTH_BACKUP_MAX_HOURS = env_int("HEALTH_BACKUP_MAX_HOURS", 26)
HEALTH_CHECKPOINT_MAX_MINUTES = env_int(
    "HEALTH_CHECKPOINT_MAX_MINUTES", 3 * AUDIT_CHECKPOINT_MINUTES + 5
)
HEALTH_DISK_MIN_FREE_MB = env_int("HEALTH_DISK_MIN_FREE_MB", 1024)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs would carry patient search terms in query strings: keep them out.
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "huey": {"level": "INFO"},
    },
}
