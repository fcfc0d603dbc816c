"""The settings refuse unsafe production configurations and pass Django's deploy checks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-of-sufficient-length-and-randomness-0123456789",
    "ALLOWED_HOSTS": "certify.example.com",
}


def run_django(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_refuses_to_start() -> None:
    result = run_django(["check"], {"DEBUG": "false", "ALLOWED_HOSTS": "certify.example.com"})
    assert result.returncode != 0
    assert "DEBUG is off, so SECRET_KEY must be set" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start() -> None:
    result = run_django(["check"], {"DEBUG": "false", "SECRET_KEY": PRODUCTION["SECRET_KEY"]})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_deploy_checks_pass_with_production_values() -> None:
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_openai_backend_without_key_refuses_to_start() -> None:
    result = run_django(["check"], {"AGENTS_MODEL_BACKEND": "openai", "OPENAI_API_KEY": ""})
    assert result.returncode != 0
    assert "AGENTS_MODEL_BACKEND=openai needs OPENAI_API_KEY" in result.stderr


def test_unknown_backend_is_named_in_the_error() -> None:
    result = run_django(["check"], {"AGENTS_MODEL_BACKEND": "gpt-in-a-box"})
    assert result.returncode != 0
    assert "AGENTS_MODEL_BACKEND" in result.stderr


def test_defaults_are_local_and_safe(monkeypatch) -> None:
    from certify.settings import Environment

    for name in Environment.model_fields:
        monkeypatch.delenv(name, raising=False)

    env = Environment(_env_file=None)
    assert env.DEBUG is True
    assert env.DATABASE_URL.startswith("sqlite:///")
    assert env.REDIS_URL is None
    assert env.AGENTS_MODEL_BACKEND == "offline"


def test_database_url_and_redis_url_switch_backends() -> None:
    from certify import settings as module

    databases = module._databases("postgres://postgres@127.0.0.1:5432/certify", 28)
    assert databases["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert databases["default"]["NAME"] == "certify"
    pool = databases["default"]["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"]) == (2, 28)
    assert databases["default"]["CONN_MAX_AGE"] == 0  # the pool keeps them instead
    unpooled = module._databases("postgres://postgres@127.0.0.1:5432/certify", 0)["default"]
    assert "pool" not in unpooled.get("OPTIONS", {})

    sqlite = module._databases("sqlite:////tmp/x.sqlite3", 28)["default"]
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert (sqlite["CONN_MAX_AGE"] or 0) > 0  # a request's thread keeps its connection
    assert sqlite["CONN_HEALTH_CHECKS"]

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup();"
            "print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "certify.settings",
            "REDIS_URL": "redis://127.0.0.1:6379/9",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "certify.cache.RedisCache",
        "certify.sessions.cached_db",
    ]


def test_email_is_printed_by_default_and_sent_by_smtp_when_a_server_is_named() -> None:
    show = (
        "from django.conf import settings as s; "
        "print(s.CERTIFY_EMAIL_DELIVERY_BACKEND, s.EMAIL_HOST)"
    )
    local = run_django(["shell", "-c", show], {"EMAIL_HOST": ""})
    assert local.stdout.split()[-2] == "django.core.mail.backends.console.EmailBackend"
    smtp = run_django(["shell", "-c", show], {"EMAIL_HOST": "smtp.example.com"})
    assert smtp.stdout.split()[-2:] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
    ]


def test_a_redis_that_hangs_gives_up_within_the_socket_timeout() -> None:
    """A server that accepts connections and never answers: the cache call fails in about two
    seconds (handled as Redis being down) instead of holding the request forever."""
    from certify import settings as module
    from certify.cache import RedisCache

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    port = silent.getsockname()[1]
    cache = RedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": module.REDIS_OPTIONS})
    started = time.monotonic()
    try:
        with pytest.raises(redis.exceptions.TimeoutError):
            cache.get("anything")
    finally:
        silent.close()
    assert time.monotonic() - started < 5
