"""CRS Monitor settings: everything comes from the environment.

With nothing set, the app runs embedded: SQLite in the checkout and Celery
tasks run in-process, so `make run` works on a bare machine. DATABASE_URL and
REDIS_URL switch to PostgreSQL and a real broker.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Only "true" or "false": a typo must not quietly turn DEBUG on."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() not in ("true", "false"):
        raise ValueError(f"{name} must be 'true' or 'false', not {value!r}")
    return value.lower() == "true"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


DEBUG = env_bool("DEBUG", False)
# Production (DEBUG off) must be given these; the web server and the Celery
# processes refuse to start without them (crsmonitor/environment.py). Commands
# that serve nobody, such as `manage.py grade`, run without them.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "development-only-key-not-for-production"

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Served over HTTPS unless told otherwise (a development server, the tests).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("BEHIND_TLS_PROXY", False):
    # The proxy terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "pgtrigger",
    "pghistory",
    "patients",
    "grading",
    "notifications",
    "interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crsmonitor.idle.IdleTimeoutMiddleware",
    "crsmonitor.audit.AuditContextMiddleware",
    # Every page needs a signed-in user unless it opts out (the login page).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed sign-ins and refuses them once locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling: 5 failures for a username from one address lock it for
# 15 minutes. The message never says whether the username exists.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Audit trail: writes only (sign-ins and page views are not clinical records).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Shared tablets: sign out after this long without activity (clinical-rules
# is silent; 15 minutes is the ward default).
IDLE_TIMEOUT_MINUTES = env_int("IDLE_TIMEOUT_MINUTES", 15)
SESSION_COOKIE_AGE = 12 * 60 * 60  # one shift at most, whatever the activity

# Content-Security-Policy: everything from this site, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "crsmonitor.urls"
WSGI_APPLICATION = "crsmonitor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crsmonitor.context_processors.roles",
                "crsmonitor.context_processors.idle_timeout",
                "notifications.context_processors.alerts",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several tablets write at once; wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

# In production two PostgreSQL roles: the owner, whose DATABASE_URL `migrate`
# runs with, and this one, the role the web server, worker and beat connect as
# (their DATABASE_URL). It owns nothing, so it cannot TRUNCATE, DELETE with the
# guards disabled, or rewrite the schema; `manage.py grant_app_role` (run by the
# owner after migrate) gives it its rights.
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# Stored in UTC; each ward's own time zone is activated when its pages render.
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
# Production: compressed copies and hashed names, cached by browsers forever
# (crsmonitor/staticfiles.py). A development server serves the source folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "crsmonitor.staticfiles.HashedStaticFiles"
        )
    },
}

# The board keeps each card's HTML (grading/board/rendered.py): in Redis when
# there is one, so that every web process shares it; otherwise in this process.
# A cache that is down slows the board, never breaks it: short timeouts.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "crsmonitor",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a real Redis broker when REDIS_URL is set; otherwise tasks run
# in-process so the embedded default needs nothing else installed.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A save publishes its regrade once and moves on: with the broker down the
# nurse must not wait for kombu's reconnect loop (about 6 s a save by
# default). The chart row is committed first and the sweep regrades it, so a
# lost publish costs minutes of grading, never an entry. The worker's own
# consumer keeps retrying (broker_connection_max_retries).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# An unacknowledged task (its worker died) goes back on the queue after this
# long. Every task is idempotent, so a task running longer than this and
# delivered twice costs only the work.
BROKER_VISIBILITY_TIMEOUT_SECONDS = env_int("BROKER_VISIBILITY_TIMEOUT_SECONDS", 5 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 1,
    # A half-open connection (broker gone without closing it) must not hang a save.
    "socket_timeout": 5,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT_SECONDS,
    # Look for such tasks every minute (at most) rather than every ~100 s.
    "unacked_restore_interval": min(60, BROKER_VISIBILITY_TIMEOUT_SECONDS),
    "unacked_restore_throttle": 1,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # ASTCT grading at least every 12 hours (seed 001, clinical-rules section 7).
    "regrade-active-episodes": {
        "task": "grading.tasks.regrade_active_episodes",
        "schedule": crontab(minute=0, hour="*/12"),
    },
    # Time-driven prompts (overdue checks, tocilizumab_consider, refractory
    # options) and fevers leaving the look-back change with the clock alone.
    "time-driven-prompts": {
        "task": "grading.tasks.regrade_active_episodes",
        "schedule": crontab(minute="*/15"),
    },
    # Catches chart changes whose regrade was never queued (broker down).
    "sweep-stale-assessments": {
        "task": "grading.tasks.sweep_stale_assessments",
        "schedule": crontab(minute="*/5"),
    },
    # Unanswered alerts climb the rota; each alert also sets its own countdown,
    # this catches the ones whose countdown was lost (worker restarted).
    "escalate-unanswered-alerts": {
        "task": "notifications.tasks.escalate_due_alerts",
        "schedule": crontab(minute="*"),
    },
}

# Notifications (README "Notifications"). The in-app inbox always works; email
# and the webhook are on when configured.
# Email through Django's backend: SMTP to EMAIL_HOST.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A stuck mail server must not hold a worker for minutes.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "crs-monitor@localhost")
NOTIFY_EMAIL = env_bool("NOTIFY_EMAIL", bool(EMAIL_HOST))
# The hospital's paging engine: a JSON POST signed with HMAC-SHA256.
NOTIFY_WEBHOOK_URL = os.environ.get("NOTIFY_WEBHOOK_URL", "")
NOTIFY_WEBHOOK_SECRET = os.environ.get("NOTIFY_WEBHOOK_SECRET", "")
if NOTIFY_WEBHOOK_URL and len(NOTIFY_WEBHOOK_SECRET) < 16:
    # An unsigned or guessable page is one anyone could forge.
    raise ValueError("NOTIFY_WEBHOOK_URL needs NOTIFY_WEBHOOK_SECRET of at least 16 characters")
NOTIFY_WEBHOOK_TIMEOUT_SECONDS = env_int("NOTIFY_WEBHOOK_TIMEOUT_SECONDS", 5)
# Retries with exponential back-off (1, 2, 4... s, at most NOTIFY_RETRY_MAX_SECONDS apart).
NOTIFY_MAX_RETRIES = env_int("NOTIFY_MAX_RETRIES", 8)
NOTIFY_RETRY_MAX_SECONDS = env_int("NOTIFY_RETRY_MAX_SECONDS", 300)
# Links in emails and pages point here (e.g. https://crs.hospital.example).
NOTIFY_SITE_URL = os.environ.get("NOTIFY_SITE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
