"""Settings, read from the environment (12-factor). See README for the variables."""

import datetime
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Without DEBUG the app refuses to start on a missing key: a public development key would let
# anyone forge sessions and password-reset tokens.
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY n'est pas défini : l'application refuse de démarrer sans clé secrète "
            "hors développement (DEBUG=1). Voir README, « Variables d'environnement »."
        )
    SECRET_KEY = "django-insecure-dev-only-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "caen_accompagnement",
    "accounts",
    "audit",
    "notifications",
    "households",
    "diagnostics",
    "housing",
    "accompaniments",
    "coordination",
    "reporting",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "caen_accompagnement.middleware.PrivacyHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LoginRequiredKeepingInputMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "caen_accompagnement.urls"
WSGI_APPLICATION = "caen_accompagnement.wsgi.application"

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
                "notifications.context_processors.unread",
            ],
            "builtins": [
                "caen_accompagnement.templatetags.fr_format",
                "caen_accompagnement.templatetags.once",
            ],
        },
    },
]

# --- Database: PostgreSQL via DATABASE_URL, else an embedded SQLite file for trying the app.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # No JIT: it compiles any query whose estimated cost passes jit_above_cost, which the
    # dashboard's grouped counts do at 10,000 households: ~1 s of compiling for 30 ms of
    # work (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # No server-side cursors for `.iterator()`: a form's list of choices from a queryset (the
    # référent of the households filter and of the household file) is read through one, three
    # round trips (DECLARE, FETCH, CLOSE) for a dozen rows. The one job iterating a big table
    # (reporting/integrity.py) now receives its result at once (a few MB at 10,000 households),
    # still made into objects 2,000 at a time.
    DATABASES["default"].setdefault("DISABLE_SERVER_SIDE_CURSORS", True)
    # Prepared statements: parameters bound by the server (psycopg's server-side binding) and
    # each statement prepared from its 2nd run on a connection, so PostgreSQL parses it once
    # and, when its generic plan costs no more, plans it once: 0.2 to 0.8 ms of planning a
    # query that every page paid (docs/performance.md, « Prepared statements »). Django turns
    # them off by default for connection poolers in transaction mode (PgBouncer): set
    # DB_PREPARED_STATEMENTS=0 behind one.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis (cache, Celery broker). Without it, tasks run inline so the app still works.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A worker killed mid-task (OOM, SIGKILL, machine lost) must not lose its message: a task is
# acknowledged after it ran (acks_late); a pool process that dies makes the worker requeue the
# message instead of acknowledging it (reject_on_worker_lost); a whole worker that dies leaves
# it unacknowledged in Redis, which hands it out again after the visibility timeout (kombu's
# redis transport). Every task is safe to run again: rows locked and marked done in the
# transaction of their writes (docs/architecture.md, « Exactly once »).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any task runs (none uses an ETA or a countdown): a message still running is
    # not handed to a second worker. The periodic relay and the mail job catch up before that.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}

# --- Accounts, authentication, sessions (docs/access.md).
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",  # ModelBackend, the user read with its roles
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.CnilPasswordValidator"},
    {"NAME": "accounts.passwords.PublicPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout (accounts/lockout.py): 5 failures lock one account *from one address* for 15 minutes;
# past LOGIN_USERNAME_CAP failures on one account from anywhere (24 h), addresses that never
# logged into it wait a back-off that doubles with each further failure, while the addresses the
# account logged in from keep their own per-address count: nobody can lock a colleague out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
LOGIN_USERNAME_CAP = env.int("LOGIN_USERNAME_CAP", default=20)
LOGIN_BACKOFF_MINUTES = env.int("LOGIN_BACKOFF_MINUTES", default=1)
LOGIN_KNOWN_ADDRESS_DAYS = 90
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, e.g. 10.0.0.0/8).
# Empty: the client address is REMOTE_ADDR, whatever the request headers say.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Second factor (TOTP, django-otp) for every role; off only in development (`make run`).
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "Logement accompagné Caen"
BACKUP_CODES_COUNT = 10
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# The age counts from the last request (an inactivity timeout), within SESSION_REFRESH_SECONDS:
# the session's expiry is pushed back when it changed or when that long passed since the last
# time (accounts.middleware.IdleTimeoutMiddleware), not on every request: a session ends 29 to
# 30 minutes after the last request, never later (docs/security.md).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ENGINE = "accounts.sessions"  # Django's database sessions, knowing their expiry
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Statements built once per process (caen_accompagnement/statements.py): with this on (the
# tests; `make run`), each is built again on every call and checked against the one kept.
CHECK_STATEMENTS = env.bool("CHECK_STATEMENTS", default=DEBUG)
# --- HTTPS, safe by default: SSL redirect, HSTS and secure cookies unless LOCAL_HTTP=1
# (implied by DEBUG=1, i.e. `make run`). Each can still be set on its own.
LOCAL_HTTP = env.bool("LOCAL_HTTP", default=DEBUG)
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not LOCAL_HTTP)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not LOCAL_HTTP)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if LOCAL_HTTP else 31_536_000)
# The header applies to the app's own host and its subdomains only (never to a parent domain);
# `preload` is inert until someone submits the domain to the browsers' list.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): the app's own files only, no inline script or style
# (htmx's indicator style comes from static/css/app.css, see base.html's htmx-config).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap's form controls draw with data: SVG
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# --- Locale: everything a user reads is French.
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Amounts go through the |euros filter; a global thousand separator would also touch ids in URLs.
USE_THOUSAND_SEPARATOR = False

# --- Static and private files. No CDN: Bootstrap and htmx are vendored in static/vendor.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
# Uploads (social reports, signed scans) are never served directly: views stream them
# after the access policy says yes.
MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
MEDIA_URL = "/fichiers-prives/"  # never routed: no URL serves MEDIA_ROOT directly
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Every upload is cut off past the largest limit of any form, while it streams in.
FILE_UPLOAD_HANDLERS = [
    "caen_accompagnement.uploads.SizeCapUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Email.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Logement accompagné Caen <noreply@ccas-caen.fr>"
)
# The address of the app in links sent by e-mail: SITE_URL, else the first trusted origin.
SITE_URL = (
    env("SITE_URL", default="")
    or (CSRF_TRUSTED_ORIGINS[0] if CSRF_TRUSTED_ORIGINS else "http://127.0.0.1:8000")
).rstrip("/")
# Where users write when they cannot reach a content (the accessibility statement).
ACCESSIBILITY_CONTACT_EMAIL = env(
    "ACCESSIBILITY_CONTACT_EMAIL", default="accessibilite@ccas-caen.fr"
)
# An immediate notification mail is retried with a growing wait, then marked failed.
NOTIFICATION_MAIL_MAX_TRIES = env.int("NOTIFICATION_MAIL_MAX_TRIES", default=5)
# One-time form keys (audit/once.py) are kept this long: a retried submit comes within minutes.
FORM_KEY_RETENTION_DAYS = env.int("FORM_KEY_RETENTION_DAYS", default=7)
# Text messages to households (planned-visit reminders, docs/reminders.md): the backend's
# dotted path (caen_accompagnement/sms.py: ConsoleBackend, FileBackend, LocmemBackend,
# BrevoBackend), the file backend's folder, and Brevo's key, address, sender and timeout.
SMS_BACKEND = env("SMS_BACKEND", default="caen_accompagnement.sms.ConsoleBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(BASE_DIR / "sms"))
SMS_BREVO_API_KEY = env("SMS_BREVO_API_KEY", default="")
SMS_BREVO_URL = env("SMS_BREVO_URL", default="https://api.brevo.com/v3/transactionalSMS/send")
SMS_SENDER = env("SMS_SENDER", default="CCASCaen")
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=10.0)
# A message to a household (SMS or e-mail) is retried with a growing wait, then marked failed
# and shown to the référent.
VISIT_MESSAGE_MAX_TRIES = env.int("VISIT_MESSAGE_MAX_TRIES", default=4)
# How long before a planned visit the household's reminder leaves.
VISIT_REMINDER_HOURS = env.int("VISIT_REMINDER_HOURS", default=48)
# Where approved cellule minutes go at the DDCS (also editable in the admin).
DDCS_MINUTES_RECIPIENTS = env.list("DDCS_MINUTES_RECIPIENTS", default=[])

# --- Forms.
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Every required field marked required or aria-required (caen_accompagnement/forms.py).
FORM_RENDERER = "caen_accompagnement.forms.FormRenderer"

# --- Programme settings.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# The periodic jobs' runs (notifications.JobRun) and the outbox's done messages are kept
# this long, for the operators' page and the admin (notifications.purge_job_records).
JOB_RECORD_RETENTION_DAYS = env.int("JOB_RECORD_RETENTION_DAYS", default=90)
# Retention (docs/privacy.md): a file with no contact for ACTIVE_RETENTION_YEARS is archived;
# ARCHIVE_RETENTION_YEARS after its archiving, it is anonymised, ANONYMISATION_NOTICE_DAYS after
# a retention report first announced it (the daily job `privacy.apply_retention`).
ACTIVE_RETENTION_YEARS = env.int("ACTIVE_RETENTION_YEARS", default=2)
ARCHIVE_RETENTION_YEARS = env.int("ARCHIVE_RETENTION_YEARS", default=3)
ANONYMISATION_NOTICE_DAYS = env.int("ANONYMISATION_NOTICE_DAYS", default=30)
# Who the /donnees-personnelles/ page names for exercising rights (the CCAS's DPO).
DPO_CONTACT = env("DPO_CONTACT", default="")
# An import preview left unconfirmed this long loses its uploaded file (purged hourly).
IMPORT_PENDING_HOURS = env.int("IMPORT_PENDING_HOURS", default=24)
# Imports run as background jobs (docs/imports.md): a file up to this size is analysed and
# confirmed within the request (a few hundred rows, well under a second); a larger one by the
# worker (through the outbox, like any other background work), the page showing its progress.
IMPORT_INLINE_MAX_BYTES = env.int("IMPORT_INLINE_MAX_BYTES", default=64 * 1024)
# The dashboard shows a snapshot of its figures at most this old (docs/reporting.md); the job
# `reporting.refresh_dashboard` renews the current year's every 10 minutes. 0: always recomputed.
DASHBOARD_SNAPSHOT_SECONDS = env.int("DASHBOARD_SNAPSHOT_SECONDS", default=600)
PROGRAMME_TARGET_HOUSEHOLDS = 120
# The programme's first day: the 120 households are counted over 3 years from it, and no bilan
# is made for a year before it (docs/reporting.md).
PROGRAMME_START = datetime.date.fromisoformat(env("PROGRAMME_START", default="2024-01-01"))
PROGRAMME_YEARS = 3
# Post-autonomy surveys (§7): how many, one every 6 months from the closure of the accompaniment.
POST_AUTONOMY_SURVEY_ROUNDS = env.int("POST_AUTONOMY_SURVEY_ROUNDS", default=4)
SMALL_CELL_THRESHOLD = 5
DEMO_PASSWORD = env("DEMO_PASSWORD", default="Caen-Accompagne-2026!")  # public: see README

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
