"""Settings for certify, read once from the environment.

Every value an operator may set is declared, typed and validated in `Environment`; the Django
settings below are derived from it. Local defaults are safe (DEBUG on, SQLite, local-memory cache,
the offline model); with DEBUG off the app refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parent.parent

CommaList = Annotated[list[str], NoDecode]


class Environment(BaseSettings):
    """The operator-facing configuration, one field per environment variable."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")

    DEBUG: bool = True
    SECRET_KEY: SecretStr | None = None
    ALLOWED_HOSTS: CommaList = Field(default_factory=list)
    CSRF_TRUSTED_ORIGINS: CommaList = Field(default_factory=list)
    DATABASE_URL: str = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    REDIS_URL: str | None = None
    # Set when a proxy in front terminates TLS and redirects itself.
    SECURE_SSL_REDIRECT: bool = True
    SECURE_PROXY_SSL_HEADER: bool = False

    # The public address credentials and LTI registrations point at; with DEBUG off it defaults
    # to https:// and the first ALLOWED_HOSTS entry.
    SITE_URL: str | None = None

    # Connections each worker's pool keeps to PostgreSQL (0: a connection per request).
    DB_POOL_SIZE: int = Field(default=28, ge=0)
    # Logs: "plain" lines, or one JSON object per line.
    LOG_FORMAT: Literal["plain", "json"] = "plain"
    # Requests one web worker serves at once before it answers 503 (see InFlightLimitMiddleware).
    MAX_REQUESTS_IN_FLIGHT: int = Field(default=24, ge=1)
    # Networks (besides signed-in staff) that may read /metrics/: the Prometheus scraper's.
    METRICS_NETWORKS: CommaList = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])

    # Email: printed by the task worker (the console) unless an SMTP server is named.
    EMAIL_HOST: str | None = None
    EMAIL_PORT: int = 587
    EMAIL_HOST_USER: str = ""
    EMAIL_HOST_PASSWORD: SecretStr | None = None
    EMAIL_USE_TLS: bool = True
    DEFAULT_FROM_EMAIL: str = "certify <noreply@certify.invalid>"

    AGENTS_MODEL_BACKEND: Literal["offline", "openai", "openai-compatible"] = "offline"
    OPENAI_API_KEY: SecretStr | None = None
    AGENTS_MODEL: str = "gpt-4.1-mini"
    AGENTS_BASE_URL: str | None = None

    @field_validator("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "METRICS_NETWORKS", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator(
        "REDIS_URL",
        "AGENTS_BASE_URL",
        "SITE_URL",
        "OPENAI_API_KEY",
        "SECRET_KEY",
        "EMAIL_HOST",
        "EMAIL_HOST_PASSWORD",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Environment:
        if not self.DEBUG:
            missing = [
                name
                for name, value in (
                    ("SECRET_KEY", self.SECRET_KEY),
                    ("ALLOWED_HOSTS", self.ALLOWED_HOSTS),
                )
                if not value
            ]
            if missing:
                raise ValueError(
                    f"DEBUG is off, so {' and '.join(missing)} must be set "
                    "(ALLOWED_HOSTS is a comma-separated list of host names)"
                )
        if self.AGENTS_MODEL_BACKEND == "openai" and self.OPENAI_API_KEY is None:
            raise ValueError("AGENTS_MODEL_BACKEND=openai needs OPENAI_API_KEY")
        if self.AGENTS_MODEL_BACKEND == "openai-compatible" and self.AGENTS_BASE_URL is None:
            raise ValueError("AGENTS_MODEL_BACKEND=openai-compatible needs AGENTS_BASE_URL")
        return self


def _read_environment() -> Environment:
    try:
        return Environment()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'settings'}: {e['msg']}"
            for e in error.errors()
        )
        raise ImproperlyConfigured(f"certify cannot start: {problems}") from None


ENV = _read_environment()

DEBUG = ENV.DEBUG
# A fixed key is fine for local development only; production refuses to start without one.
SECRET_KEY = (
    ENV.SECRET_KEY.get_secret_value()
    if ENV.SECRET_KEY
    else "django-insecure-local-development-key-never-used-in-production"
)
ALLOWED_HOSTS = ENV.ALLOWED_HOSTS or (["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = ENV.CSRF_TRUSTED_ORIGINS
SITE_URL = (
    ENV.SITE_URL or (f"https://{ALLOWED_HOSTS[0]}" if not DEBUG else "http://127.0.0.1:8000")
).rstrip("/")

INSTALLED_APPS = [
    "certify",
    "questions",
    "lessons",
    "integrations",
    "lti_tool",
    "certify.apps.CertifyAdminConfig",  # django.contrib.admin, 2FA for staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "health_check",
    # Accounts: sign-up, login, email verification and 2FA (certify/accounts.py); the policy
    # that tells the browser to trust only certify's own scripts (certify/security.py).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
]

# Every middleware here is async-native (certify/middleware.py wraps Django's own), so a
# streaming view runs on the event loop without thread hops. Nothing reads or compresses the
# response body.
MIDDLEWARE = [
    # certify's own, outermost: the request's log line (with its id), then the bound on
    # requests in flight (its 503s are logged and counted too).
    "certify.middleware.RequestLogMiddleware",
    "certify.middleware.PrometheusBeforeMiddleware",
    "certify.middleware.InFlightLimitMiddleware",
    "certify.middleware.SecurityMiddleware",
    "certify.middleware.StaticFilesMiddleware",
    "certify.middleware.SessionMiddleware",
    "certify.middleware.CommonMiddleware",
    "certify.middleware.CsrfViewMiddleware",
    "certify.middleware.AuthenticationMiddleware",
    "certify.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "certify.middleware.CSPMiddleware",
    "certify.middleware.XFrameOptionsMiddleware",
    # Inside the frame check: lets a registered LMS frame certify for browsers it launched.
    "integrations.middleware.LtiFrameMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "certify.middleware.PrometheusAfterMiddleware",
]

# Django's "middleware missing" warnings look for its own classes by path; certify/checks.py
# checks for ours instead (and re-runs the settings checks that depend on them).
SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]

ROOT_URLCONF = "certify.urls"
ASGI_APPLICATION = "certify.asgi.application"
WSGI_APPLICATION = "certify.wsgi.application"

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
            ],
        },
    },
]


def _databases(url: str, pool_size: int) -> dict[str, dj_database_url.DBConfig]:
    config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.postgresql" and pool_size:
        # Each worker keeps a pool of connections instead of opening one per request (a new
        # PostgreSQL backend costs milliseconds of CPU, and 200 learners on per-request
        # connections ran out of them). Under ASGI every request in flight runs its sync view in
        # its own thread, with its own connection: the pool (DB_POOL_SIZE, at least
        # MAX_REQUESTS_IN_FLIGHT) bounds them. With CONN_HEALTH_CHECKS Django has the pool check a
        # connection before handing it out, so a restarted PostgreSQL costs no request a dead one.
        # A request waits at most 3 s for a connection (PostgreSQL away), then gets the 503 page.
        config["OPTIONS"] = {"pool": {"min_size": 2, "max_size": pool_size, "timeout": 3}}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Each request's thread keeps its connection (checked before reuse, CONN_HEALTH_CHECKS):
        # opening one (Django registers its SQL functions on every new connection, then the
        # PRAGMAs below) cost 2 ms of CPU, more than the rest of a Run press (measured in
        # process, the streaming benchmark's press). A file needs no server-side slot per
        # connection, so nothing bounds them but the request threads themselves.
        config["CONN_MAX_AGE"] = 600
        # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue instead of failing with "database is locked" on upgrade.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # A file, not memory, so that a live ASGI server in the test process sees the same data;
        # one per test process, so that two runs (the suite and a benchmark) never share it.
        config["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"certify-test-{os.getpid()}.sqlite3")
        }
    return {"default": config}


DATABASES = _databases(ENV.DATABASE_URL, ENV.DB_POOL_SIZE)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A Redis that hangs instead of refusing must not hang the requests that read it: each call
# gives up after these seconds and is handled as Redis being down.
REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}

CACHES: dict[str, dict[str, object]]
if ENV.REDIS_URL:
    # Django's Redis cache, its connections shared by every request of the process
    # (certify/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "certify.cache.RedisCache",
            "LOCATION": ENV.REDIS_URL,
            "KEY_PREFIX": "certify",
            "OPTIONS": REDIS_OPTIONS,
        },
        # The login lockout's counts, shared by every worker.
        "accounts": {
            "BACKEND": "certify.cache.RedisCache",
            "LOCATION": ENV.REDIS_URL,
            "KEY_PREFIX": "certify-accounts",
            "OPTIONS": REDIS_OPTIONS,
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "certify.cache.LocMemCache",
            "LOCATION": "certify",
            # The default of 300 entries would evict live demo tickets and limit counters.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        # The login lockout's counts in the database (`manage.py createcachetable`, run by
        # migrate: certify's migration 0005 makes the table), so that every worker sees them.
        "accounts": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "certify_accounts_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }

# Sessions: read from Redis when it is there (written through to the database, which keeps them
# across a cache flush, and serves them alone while Redis is down); from the database otherwise,
# each read one hand-written query (certify/sessions/).
SESSION_ENGINE = "certify.sessions.cached_db" if ENV.REDIS_URL else "certify.sessions.db"

# Passwords: Argon2id at OWASP's floor (19 MiB, 2 passes, 1 lane; about 25 ms of one core), so
# sign-up stays fast when learners arrive ten a second; the views that hash are sync and run in
# the ASGI server's threads, off the event loop. PBKDF2 hashes made before still verify, and are
# upgraded at the next login.
PASSWORD_HASHERS = [
    "certify.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    # Passwords (with allauth's login stages: the lockout, the verified email, 2FA).
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Accounts (django-allauth; certify/accounts.py). A learner signs in with username or email;
# the email is verified by a link; an answer never tells whether an address is registered.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"login": "certify.forms.LoginForm", "signup": "certify.forms.SignupForm"}
ACCOUNT_ADAPTER = "certify.accounts.AccountAdapter"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# Logins of accounts whose address is not verified yet work (practice needs nothing more);
# a sign-up verifies its address first (so that a taken address answers as a new one does), and
# the certification exam and its certificate need a verified address (CERTIFY_VERIFIED_EMAIL).
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[certify] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Lockout: failed logins per username (or email) and per address within the cool-off; past
# either, every login for it is refused (HTTP 429) until the oldest failure is older than the
# cool-off, whatever the password. Password reset requests are limited the same way.
CERTIFY_LOGIN_FAILURES_PER_ACCOUNT = 5
CERTIFY_LOGIN_FAILURES_PER_IP = 50
CERTIFY_LOGIN_COOLOFF = 5 * 60  # seconds
CERTIFY_PASSWORD_RESETS_PER_ACCOUNT = 5
CERTIFY_PASSWORD_RESETS_PER_IP = 20
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{CERTIFY_LOGIN_FAILURES_PER_IP}/{CERTIFY_LOGIN_COOLOFF}s/ip,"
        f"{CERTIFY_LOGIN_FAILURES_PER_ACCOUNT}/{CERTIFY_LOGIN_COOLOFF}s/key"
    ),
    "reset_password": (
        f"{CERTIFY_PASSWORD_RESETS_PER_IP}/{CERTIFY_LOGIN_COOLOFF}s/ip,"
        f"{CERTIFY_PASSWORD_RESETS_PER_ACCOUNT}/{CERTIFY_LOGIN_COOLOFF}s/key"
    ),
}
# The cache alias the lockout counts live in (certify/accounts.py points allauth at it).
CERTIFY_LOCKOUT_CACHE = "accounts"
# Two-factor authentication: TOTP with recovery codes; staff must have it on before the admin
# opens (certify/accounts.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "certify"
# Whose identity counts as verified without an email confirmation (callables taking a user):
# e.g. a learner launched by a registered LMS, which signed them in. certify never imports them.
CERTIFY_IDENTITY_ASSERTED = ["integrations.identity.platform_asserted"]
# Asked by questions before a certification attempt starts (a callable taking the user and
# returning a refusal to show, or None).
QUESTIONS_CERTIFICATION_GATE = "certify.accounts.certification_refusal"
# Email goes through the task queue (certify/mail.py); the worker delivers it with this.
EMAIL_BACKEND = "certify.mail.QueuedEmailBackend"
# The worker prints each email (with its links) to its output, or sends it by SMTP when
# EMAIL_HOST is set.
CERTIFY_EMAIL_DELIVERY_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if ENV.EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = ENV.EMAIL_HOST or "localhost"
EMAIL_PORT = ENV.EMAIL_PORT
EMAIL_HOST_USER = ENV.EMAIL_HOST_USER
EMAIL_HOST_PASSWORD = ENV.EMAIL_HOST_PASSWORD.get_secret_value() if ENV.EMAIL_HOST_PASSWORD else ""
EMAIL_USE_TLS = ENV.EMAIL_USE_TLS
DEFAULT_FROM_EMAIL = ENV.DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Decided here, not from settings.DEBUG at start-up: the test runner turns DEBUG off after
# settings load, and tests still serve static files from the app folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Content-Security-Policy (django-csp, certify/middleware.py): scripts from certify's own static
# files or carrying the request's nonce, nothing else; no plugins, no <base> elsewhere, no
# framing (a registered LMS is let in by integrations.middleware.LtiFrameMiddleware); the SSE
# streams and htmx requests go to certify only. Inline style attributes stay allowed (the score
# bars' widths are CSS variables set in the markup); style elements need the nonce (htmx's own
# indicator style is off: static/css/site.css has it). Violations are reported to
# /csp-report/, which logs them (certify.security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": ["/csp-report/"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Launched from an LMS, certify runs in the LMS's iframe, a third-party context: its
    # cookies reach it there only as SameSite=None (which needs Secure). Every POST is still
    # guarded by the CSRF token and Django's Origin check.
    SESSION_COOKIE_SAMESITE = "None"
    CSRF_COOKIE_SAMESITE = "None"
    SECURE_SSL_REDIRECT = ENV.SECURE_SSL_REDIRECT
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if ENV.SECURE_PROXY_SSL_HEADER:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One line per request (certify.requests, written by RequestLogMiddleware) with its id, user,
# method, path, status and duration; JSON lines with LOG_FORMAT=json. A 4xx answer is that one
# line (Django's own record of it, with its traceback, is dropped: certify/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "certify.logs.RequestContextFilter"},
        "quiet_client_errors": {"()": "certify.logs.QuietClientErrors"},
    },
    "formatters": {
        "plain": {"()": "certify.logs.PlainFormatter"},
        "json": {"()": "certify.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": ENV.LOG_FORMAT,
            # On the handler, so it sees django.security.* records (a logger's own filters do not
            # apply to what its children propagate).
            "filters": ["request_context", "quiet_client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "certify": {"level": "INFO"},
        "questions": {"level": "INFO"},
        "lessons": {"level": "INFO"},
        "integrations": {"level": "INFO"},
    },
}

# Operations: health probes and metrics (certify/operations.py).
# Requests one web worker serves at once, and how long a request waits for a free place before
# it is answered 503 with Retry-After (certify.middleware.InFlightLimitMiddleware).
CERTIFY_MAX_REQUESTS_IN_FLIGHT = ENV.MAX_REQUESTS_IN_FLIGHT
CERTIFY_IN_FLIGHT_WAIT = 2.0  # seconds
CERTIFY_OVERLOAD_RETRY_AFTER = 2  # seconds, in the 503's Retry-After
CERTIFY_UNBOUNDED_PATHS = ("/health/", "/metrics/")
# Who may read /metrics/ besides staff: the Prometheus scraper's addresses.
CERTIFY_METRICS_NETWORKS = ENV.METRICS_NETWORKS
# A load balancer's probes come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# Product settings (see DESIGN.md "Readiness").
CERTIFY_OVERALL_THRESHOLD = 90
CERTIFY_CATEGORY_THRESHOLD = 85
# Exam forms (questions/assembly.py): no item on more than this share of forms (where the pool
# allows it), a learner's new form shares at most this share of its items with their earlier
# forms (while the pool allows it), and at most this many variants of one item family per form.
# The item analysis flags an item asked on more forms than the exposure target.
QUESTIONS_FORM_EXPOSURE_TARGET = 0.2
QUESTIONS_FORM_OVERLAP_SHARE = 0.2
QUESTIONS_FORM_FAMILY_LIMIT = 2
# After a certification exam that did not pass, the next attempt opens this much later (the
# default of each new exam quiz; an instructor sets it per quiz).
QUESTIONS_EXAM_RETAKE_COOLDOWN = timedelta(hours=24)
# calibrate_items: a pretest item counts (leaves pretest) once its discrimination and difficulty
# are estimated within this standard error, from its own answers or its family's.
QUESTIONS_PRETEST_MAX_ERROR = 0.3
# Background work: django-tasks (the API Django 6 ships as django.tasks) on the project's own
# database; `manage.py run_worker` runs it (`make run` starts one beside the web server).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Periodic tasks, {dotted path: seconds}: the worker queues each when due (certify/schedule.py).
CERTIFY_PERIODIC_TASKS = {
    # The expiry sweep: attempts past their deadline are finalized (and certified) within this.
    "questions.tasks.expire_overdue_attempts": 60,
    # Grade passback tries that the backoff schedule made due.
    "integrations.tasks.send_due_grade_passbacks": 60,
    # Demo runs whose web worker died mid-stream are marked lost.
    "lessons.tasks.mark_lost_demo_runs": 30,
}

# Called with every attempt as questions finalizes it (submit, starting the quiz afresh, or the
# expiry sweep), inside that transaction; questions never imports certify.
QUESTIONS_ATTEMPT_FINISHED = [
    "certify.services.certificate_issue_for_attempt",
    "integrations.services.grades.grade_passback_for_attempt",
]
# Renders the part of an exam's results page that questions does not own (a callable taking the
# request and the attempt, returning HTML): objectives, what to study, the certificate.
QUESTIONS_EXAM_REPORT = "certify.panels.exam_score_report"
# The item analysis's readiness rule (a callable taking a quiz's QuizInfo, giving a vectorised
# rule, or None where it does not apply), for the decision consistency of exams.
QUESTIONS_READINESS_RULE = "certify.services.exam_decision_rule"
# Renders what goes right under a finished attempt's verdict (a callable taking the request and
# the attempt, returning HTML): the certificate a passing exam earned.
QUESTIONS_RESULTS_HEADLINE = "certify.panels.certificate_earned"
# Called with every certificate as certify issues it, inside that transaction; and asked for
# extra sections of the public certificate page (callables taking the request and the
# certificate, returning HTML). certify never imports the apps that hook in here.
CERTIFY_CERTIFICATE_ISSUED = ["integrations.services.credential_issue_for_certificate"]
CERTIFY_CERTIFICATE_PAGE_SECTIONS = ["integrations.panels.certificate_credential"]
# Asked for extra sections of the moment a learner earns a certificate, on the exam's results
# (callables taking the request and the certificate, returning HTML).
CERTIFY_CERTIFICATE_EARNED_SECTIONS = ["integrations.panels.badge_earned"]

# Which model runs the live demos.
AGENTS_MODEL_BACKEND = ENV.AGENTS_MODEL_BACKEND
AGENTS_MODEL = ENV.AGENTS_MODEL
AGENTS_BASE_URL = ENV.AGENTS_BASE_URL
OPENAI_API_KEY = ENV.OPENAI_API_KEY.get_secret_value() if ENV.OPENAI_API_KEY else None

# Live demos (lessons/): the offline model's pace, and the limits on demo runs. The limits live
# in the cache, so with REDIS_URL they hold across every worker.
LESSONS_OFFLINE_FIRST_TOKEN_DELAY = 0.4  # seconds before the offline model's first token
LESSONS_OFFLINE_TOKEN_DELAY = 0.03  # seconds per token after it (about 33 tokens/s)
LESSONS_PROMPT_MAX_LENGTH = 500  # characters
LESSONS_RUNS_PER_WINDOW = 20  # runs one user may start per window
LESSONS_RATE_WINDOW = 60  # seconds
LESSONS_MAX_CONCURRENT_RUNS = 100  # open demo streams across all workers
LESSONS_RUN_LIFETIME = 60  # seconds a run may stream before it is stopped
# Seconds a web worker's hold on its streams' slots lasts unless renewed (every third of it,
# while it streams): a worker that dies frees its slots, and its runs are marked lost, after this.
LESSONS_WORKER_LEASE = 4
LESSONS_BREAKER_THRESHOLD = 3  # failures in a row that open a circuit breaker
LESSONS_BREAKER_COOLDOWN = 30  # seconds an open breaker waits before a trial run
# Which presets a user may see and run (lessons never import questions): the bank keeps an
# item's scenario out of reach while the item must stay unseen.
LESSONS_PRESET_ACCESS = "questions.presets.presets_visible"
