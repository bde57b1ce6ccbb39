"""Tandem settings: everything comes from the environment, with safe embedded defaults.

Two modes:
- embedded (default): SQLite under var/, in-memory channel layer, local-memory cache, email to
  the console, a secret key generated once and kept in var/secret_key.
- production (TANDEM_ENV=production): SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL come
  from the environment; refuses to start without SECRET_KEY; DEBUG off; secure cookies; HSTS.
"""

import contextlib
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("TANDEM_VAR_DIR", str(BASE_DIR / "var")))
TANDEM_ENV = env("TANDEM_ENV", "embedded")
PRODUCTION = TANDEM_ENV == "production"


def _embedded_secret_key() -> str:
    """Generate the embedded mode's secret once and keep it, so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Two processes starting at once (web + worker) must agree on one key, and neither may
        # read a half-written file: write a private temporary file, then link it into place
        # (link fails if the key already exists, so the first writer wins, complete).
        tmp = VAR_DIR / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink()
    return path.read_text().strip()


def _served_address() -> str:
    """The address `manage.py serve` / `make run` listens on (HOST, PORT; `serve` passes its
    --host/--port to its children in both), as a browser on this machine reaches it."""
    host = env("HOST", "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"  # listening everywhere: this machine reaches it on loopback
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{env('PORT', '8000')}"


# The site's public address, scheme://host[:port][/prefix], no trailing slash. Every absolute
# link (emails, .ics files, calendar feeds, API fields) and the WebSocket origin check use it.
TANDEM_SITE_URL = (env("TANDEM_SITE_URL") or _served_address()).rstrip("/")

if PRODUCTION:
    SECRET_KEY = env("SECRET_KEY")
    if not SECRET_KEY:
        raise ImproperlyConfigured("TANDEM_ENV=production needs SECRET_KEY in the environment.")
    DEBUG = False
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("TANDEM_ENV=production needs ALLOWED_HOSTS in the environment.")
else:
    SECRET_KEY = env("SECRET_KEY") or _embedded_secret_key()
    # The embedded default is for real use: Django's debug pages (every URL pattern, settings,
    # tracebacks) only when a developer asks for them.
    DEBUG = envbool("TANDEM_DEBUG", False)
    ALLOWED_HOSTS = envlist(
        "ALLOWED_HOSTS",
        [
            "127.0.0.1",
            "localhost",
            "[::1]",
            "testserver",
            urlsplit(TANDEM_SITE_URL).hostname or "localhost",
        ],
    )

CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "tandem.core",
    "tandem.accounts",
    "tandem.orgs",
    "tandem.coaches",
    "tandem.availability",
    "tandem.booking",
    "tandem.realtime",
    "tandem.messaging",
    "tandem.dispatch",
    "tandem.workspace",
    "tandem.notifications",
    "tandem.payments",
    "tandem.home",
    "tandem.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tandem.core.middleware.UserTimezoneMiddleware",
    "tandem.core.middleware.ServiceErrorMiddleware",
    "tandem.core.middleware.ApiErrorShapeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tandem.urls"
ASGI_APPLICATION = "tandem.asgi.application"
WSGI_APPLICATION = "tandem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tandem" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # `when`: the date filter in the viewer's 12/24-hour clock (core/timefmt.py).
            "builtins": ["tandem.core.templatetags.clock"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "tandem.home.context_processors.navigation",
                "tandem.realtime.context_processors.realtime",
                "tandem.notifications.context_processors.notification_nav",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI every request runs its sync code in a new thread, so a persistent
    # connection (CONN_MAX_AGE > 0) is never reused and idle ones pile up until PostgreSQL
    # refuses more. Django's answer is a connection pool per process instead (psycopg_pool).
    # Health checks: after a PostgreSQL restart the pool still holds connections the server
    # has closed, and handing those out failed up to 13 requests in a row on one node (issue
    # 16). The backend (tandem/core/postgresql, Django's own subclassed) tries each
    # connection (an empty query) as it leaves the pool; when one is dead it checks all the
    # idle ones at once and takes a new one. psycopg_pool's own check (CONN_HEALTH_CHECKS)
    # backs off between dead connections, and the first requests after a restart timed out,
    # so it is off. While the database is down a request waits up to DB_POOL_TIMEOUT seconds
    # for a connection (a short restart costs latency, not errors), then answers 503
    # (tandem/core/views.server_error).
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "tandem.core.postgresql"
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["pool"] = {
            "min_size": envint("DB_POOL_MIN", 2),
            "max_size": envint("DB_POOL_MAX", 20),
            "timeout": float(env("DB_POOL_TIMEOUT", "10")),
        }
        # Hand-written hot-path statements (tandem/core/sql.py) bind on the server; psycopg
        # prepares one on its 5th run on a connection. The ORM's own cursors never prepare.
        # Behind PgBouncer older than 1.21 in transaction mode, set DB_PREPARE_THRESHOLD=0.
        prepare = envint("DB_PREPARE_THRESHOLD", 5)
        options["prepare_threshold"] = prepare if prepare > 0 else None
        # Plan each of them once (a generic plan) instead of on every run: PostgreSQL
        # otherwise keeps re-planning a statement whose generic plan it judges no cheaper,
        # and the booking transaction's two widest statements spent ~0.5 ms of server time
        # each in planning (measured), against ~0.06 ms executing. They are index lookups
        # by id or key whose best plan does not depend on the values; the statuses their
        # partial indexes need are written into the SQL, not bound.
        if prepare > 0:
            options["options"] = " ".join(
                filter(None, [options.get("options"), "-c plan_cache_mode=force_generic_plan"])
            )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "tandem.sqlite3",
            "TEST": {"NAME": env("TANDEM_TEST_SQLITE", "") or None},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same for the embedded file and a DATABASE_URL=sqlite:///… one.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE: a write transaction takes the lock when it begins, so a
            # check-then-insert cannot interleave with another writer.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if PRODUCTION and not (DATABASE_URL and REDIS_URL):
    raise ImproperlyConfigured("TANDEM_ENV=production needs DATABASE_URL and REDIS_URL.")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "tandem"),
            # Fail fast when Redis is down (redis-py waits forever by default): presence,
            # typing and the other cache users then degrade (realtime/degraded.py) within
            # seconds instead of holding the request.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a PUBLISH per message instead of the core layer's queue scripts;
            # at-most-once, which suits what travels here (wake-ups with the database as the
            # truth, ephemeral signals). Measured: bench/README.md, realtime_bench.
            # channels-redis' layers, failing soft while Redis is down (realtime/layers.py:
            # handshakes and open sockets survive); QueueChannelLayer is its core layer.
            "BACKEND": env("CHANNEL_LAYER_BACKEND", "tandem.realtime.layers.PubSubChannelLayer"),
            "CONFIG": {
                # redis-py 8 caps a pool at 100 connections and raises (not waits) beyond:
                # a burst of WebSocket connects (one group_add each) needs more. Its default
                # 5 s socket timeout equals channels-redis' 5 s blocking receive, so a busy
                # loop read a little late and failed the consumer: give reads room.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": envint("REDIS_MAX_CONNECTIONS", 2000),
                        "socket_timeout": 30,
                        # A dead Redis refuses or drops the connect: fail the subscribe fast so
                        # the transports fall back to the database (realtime/wakeups.py).
                        "socket_connect_timeout": 2,
                    }
                ],
                "prefix": env("CHANNEL_PREFIX", "tandem"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# django-tasks-db's own backend: a job is a row in this database, written in the caller's
# transaction, so enqueueing inside a change is an outbox (tandem/core/outbox.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Worker heartbeats (tandem/core/heartbeats.py) and /healthz: each worker records that it is
# alive this often; /healthz calls a worker down when its newest beat is older than the limit,
# and answers 503 for that only if workers are required (on under `manage.py serve`; a
# web-only node whose workers run elsewhere may leave it off: "degraded" but 200).
TANDEM_WORKER_HEARTBEAT_SECONDS = float(env("TANDEM_WORKER_HEARTBEAT_SECONDS", "10"))
TANDEM_HEALTH_WORKER_STALE_SECONDS = envint("TANDEM_HEALTH_WORKER_STALE_SECONDS", 60)
TANDEM_HEALTH_REQUIRE_WORKERS = envbool("TANDEM_HEALTH_REQUIRE_WORKERS", False)

# Jobs (tandem/core/jobs.py, docs/jobs.md). A RUNNING job whose worker has not beaten for
# TANDEM_JOB_LEASE_SECONDS (a few heartbeats) was left by a dead worker: it goes back to the
# queue. So does a job that failed with a transient database error. Each retry waits
# TANDEM_JOB_RETRY_SECONDS, doubling up to TANDEM_JOB_RETRY_MAX_SECONDS; a job that has been
# tried TANDEM_JOB_MAX_ATTEMPTS times is given up (FAILED, with the reason).
TANDEM_JOB_LEASE_SECONDS = float(env("TANDEM_JOB_LEASE_SECONDS", "60"))
TANDEM_JOB_MAX_ATTEMPTS = envint("TANDEM_JOB_MAX_ATTEMPTS", 5)
TANDEM_JOB_RETRY_SECONDS = float(env("TANDEM_JOB_RETRY_SECONDS", "5"))
TANDEM_JOB_RETRY_MAX_SECONDS = float(env("TANDEM_JOB_RETRY_MAX_SECONDS", "300"))
# Records of effects done (an email sent), kept so a rerun of a job skips them (core/effects.py).
TANDEM_EFFECT_RETENTION_DAYS = envint("TANDEM_EFFECT_RETENTION_DAYS", 30)

# --- Accounts ---------------------------------------------------------------------------
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tandem.accounts.validators.MaximumLengthValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tandem] "
ACCOUNT_FORMS = {"signup": "tandem.accounts.forms.SignupForm"}
ACCOUNT_ADAPTER = "tandem.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so operators can see and tune them.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tandem"

# --- Email ------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Tandem <no-reply@tandem.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from npm (package-lock.json) and are served from node_modules.
STATICFILES_DIRS = [
    BASE_DIR / "tandem" / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production WhiteNoise serves straight from the finders: no collectstatic needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# --- Security ---------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Swagger UI and Bootstrap's JS set style attributes.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if envbool("TRUST_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_SSL_REDIRECT:
        # The TLS-terminating proxy redirects; tell `check --deploy` we know.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]

# --- Logging ----------------------------------------------------------------------------
# Feed tokens, reset keys, API tokens and search text never reach a log line
# (tandem/core/log_redaction.py): filtered on the request loggers, on our handler, and on the
# web server's loggers (CoreConfig.ready()).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "tandem.core.log_redaction.RedactSecrets"},
        "quiet_layer_outage": {"()": "tandem.realtime.degraded.QuietLayerOutage"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's own "django" logger so each line is printed once.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["redact"]},
        "django.server": {"filters": ["redact"]},
        "django.channels.server": {"filters": ["redact"]},
        # One traceback a second while Redis is down; realtime/layers.py warns once instead.
        "channels_redis.pubsub": {"filters": ["quiet_layer_outage"]},
        "channels_redis.core": {"filters": ["quiet_layer_outage"]},
    },
}

TANDEM_API_TOKEN_PREFIX = "tdm"

# --- Booking ----------------------------------------------------------------------------
# {room} is an unguessable per-booking token; {booking} its public id.
TANDEM_MEETING_URL_TEMPLATE = env(
    "TANDEM_MEETING_URL_TEMPLATE", "https://meet.jit.si/tandem-{room}"
)
TANDEM_HOLD_MINUTES = envint("TANDEM_HOLD_MINUTES", 10)
# Real-time event streams: how long events are kept for resuming, how often idle
# connections get a heartbeat (and re-read the stream, covering a lost wake-up), and the
# longest a long-poll waits.
TANDEM_EVENT_RETENTION_DAYS = envint("TANDEM_EVENT_RETENTION_DAYS", 7)
TANDEM_EVENTS_HEARTBEAT_SECONDS = envint("TANDEM_EVENTS_HEARTBEAT_SECONDS", 15)
TANDEM_EVENTS_LONGPOLL_SECONDS = envint("TANDEM_EVENTS_LONGPOLL_SECONDS", 30)
# A WebSocket frame the client has not made room for within this long (the server's buffers
# for that socket full all the while: it stopped reading, or reads far slower than its events
# come) drops the socket with close code 4408; the client resumes after its last seq.
TANDEM_EVENTS_SEND_TIMEOUT_SECONDS = float(env("TANDEM_EVENTS_SEND_TIMEOUT_SECONDS", "10"))
# Without Redis, `manage.py serve` points its workers at the web process so their events
# wake open pages at once (tandem/realtime/bridge.py). Empty: not bridged.
TANDEM_WAKE_URL = "" if REDIS_URL else env("TANDEM_WAKE_URL")
# A request awaiting the coach's confirmation lapses after this (or at its start, if sooner).
TANDEM_PENDING_EXPIRY_HOURS = envint("TANDEM_PENDING_EXPIRY_HOURS", 24)

# --- Notifications and reminders ---------------------------------------------------------
# Default reminder lead times in minutes (a coach or an organisation can set others).
TANDEM_REMINDERS_COACH_MINUTES = [
    int(m) for m in envlist("TANDEM_REMINDERS_COACH_MINUTES", ["1440", "60"])
]
TANDEM_REMINDERS_CLIENT_MINUTES = [
    int(m) for m in envlist("TANDEM_REMINDERS_CLIENT_MINUTES", ["1440", "180"])
]
# A worker holds a claimed delivery this long; if it dies, another takes the delivery over
# after it. Failing sends retry after 30 s, 1 min, 2 min, … and give up after N tries.
TANDEM_DELIVERY_LEASE_SECONDS = envint("TANDEM_DELIVERY_LEASE_SECONDS", 30)
TANDEM_DELIVERY_RETRY_SECONDS = envint("TANDEM_DELIVERY_RETRY_SECONDS", 30)
TANDEM_DELIVERY_MAX_ATTEMPTS = envint("TANDEM_DELIVERY_MAX_ATTEMPTS", 6)
# How often an idle notification worker looks for due deliveries (seconds, may be a fraction).
TANDEM_DELIVERY_POLL_SECONDS = float(env("TANDEM_DELIVERY_POLL_SECONDS", "0.25"))
# Message-IDs of notification emails are <hash@TANDEM_MAIL_DOMAIN>.
TANDEM_MAIL_DOMAIN = env("TANDEM_MAIL_DOMAIN", "tandem.local")
# Web Push (VAPID): the raw P-256 private key, urlsafe base64 (embedded: derived from
# SECRET_KEY); the contact push services may write to.
TANDEM_VAPID_PRIVATE_KEY = env("TANDEM_VAPID_PRIVATE_KEY")
TANDEM_VAPID_SUBJECT = env("TANDEM_VAPID_SUBJECT", "mailto:admin@tandem.local")
TANDEM_PUSH_TTL_SECONDS = envint("TANDEM_PUSH_TTL_SECONDS", 3600)
# Push endpoints must be https; tests with a local stand-in push service turn this on.
TANDEM_PUSH_ALLOW_HTTP = envbool("TANDEM_PUSH_ALLOW_HTTP", False)

# --- Book now (dispatch) ----------------------------------------------------------------
# How long a coach has to answer a Book now offer before it goes to the next coach.
TANDEM_DISPATCH_OFFER_SECONDS = envint("TANDEM_DISPATCH_OFFER_SECONDS", 300)

# --- Messaging --------------------------------------------------------------------------
# Message bodies and attachments are encrypted at rest (Fernet). Comma-separated urlsafe-base64
# Fernet keys: the first encrypts, all decrypt. Rotate: put a new key first, run
# `manage.py rotate_message_keys`, then drop the old one. Without keys (embedded mode only) one
# key is derived from SECRET_KEY (HKDF), so changing SECRET_KEY would make messages unreadable.
TANDEM_MESSAGE_KEYS = envlist("TANDEM_MESSAGE_KEYS", [])
if PRODUCTION and not TANDEM_MESSAGE_KEYS:
    raise ImproperlyConfigured(
        "TANDEM_ENV=production needs TANDEM_MESSAGE_KEYS (Fernet keys) in the environment."
    )
TANDEM_MESSAGE_MAX_CHARS = envint("TANDEM_MESSAGE_MAX_CHARS", 10_000)
TANDEM_MESSAGE_EDIT_MINUTES = envint("TANDEM_MESSAGE_EDIT_MINUTES", 5)
TANDEM_MESSAGE_ATTACHMENT_MAX_BYTES = envint(
    "TANDEM_MESSAGE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024
)
# The largest request body accepted at all, refused (413) before it is read
# (tandem/core/body_limit.py): the largest upload plus room for the form around it.
TANDEM_MAX_REQUEST_BYTES = envint(
    "TANDEM_MAX_REQUEST_BYTES", TANDEM_MESSAGE_ATTACHMENT_MAX_BYTES + 1024 * 1024
)

# --- Payments ---------------------------------------------------------------------------
# The platform's fee in basis points (1000 = 10 %); a coach may have an override
# (payments.CoachPaymentSettings). Posted to the ledger at payment time.
TANDEM_PLATFORM_FEE_BP = envint("TANDEM_PLATFORM_FEE_BP", 1000)
# How clients pay what credits do not cover: "manual" (an invoice the coach or staff marks
# paid; the embedded default) or "stripe" (needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET).
TANDEM_PAYMENT_PROVIDER = env("TANDEM_PAYMENT_PROVIDER", "manual")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# Where the stripe library sends requests; empty = Stripe's servers. Tests point it at a
# local stand-in (Stripe's servers cannot be reached from here).
STRIPE_API_BASE = env("STRIPE_API_BASE")
# A webhook whose signed timestamp is older than this is refused (Stripe's default is 300 s).
TANDEM_WEBHOOK_TOLERANCE_SECONDS = envint("TANDEM_WEBHOOK_TOLERANCE_SECONDS", 300)
# Gift cards bought or issued are valid this long unless staff set another date.
TANDEM_GIFT_CARD_VALID_DAYS = envint("TANDEM_GIFT_CARD_VALID_DAYS", 365)
# Organisations' report exports: a file is deleted this many days after it was made (the
# booking sweep's "org_exports_expired" step; tandem/orgs/exports/retention.py).
TANDEM_ORGS_EXPORT_KEEP_DAYS = envint("TANDEM_ORGS_EXPORT_KEEP_DAYS", 30)
