"""Request logs: one structured line per request, and no tracebacks for a visitor's mistakes.

`RequestLogMiddleware` (certify/middleware.py) writes the line through the `certify.requests`
logger with the request's fields as `extra`; `RequestContextFilter` stamps the request id on
every other line logged while the request runs. `PlainFormatter` and `JsonFormatter` (chosen by
LOG_FORMAT) print them. `QuietClientErrors` drops Django's own records of 4xx answers (a 404's
"Not Found", an oversized body's RequestDataTooBig, a bad Host) which carry a traceback: the
request line says the status, and the reason is kept on it as `error`.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Fields of the request line, in the order the plain format prints them.
REQUEST_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms", "error")


@dataclass
class RequestContext:
    request_id: str
    # The reason Django gave for a 4xx answer (its log record is dropped in favour of this).
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


current: ContextVar[RequestContext | None] = ContextVar("certify_request", default=None)


class RequestContextFilter(logging.Filter):
    """Adds `request_id` to every record logged while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current.get()
        if context is not None and not hasattr(record, "request_id"):
            record.request_id = context.request_id
        return True


def _is_client_error(record: logging.LogRecord) -> bool:
    status = getattr(record, "status_code", None)
    if isinstance(status, int):
        return 400 <= status < 500
    # django.security.* records (SuspiciousOperation: RequestDataTooBig, DisallowedHost, ...)
    # are answered 400; they carry no status code.
    return record.name.startswith("django.security")


class QuietClientErrors(logging.Filter):
    """On the console handler: django.request's and django.security's record of a 4xx answer
    is dropped (its reason kept for the request line); 5xx records pass with their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("django.request", "django.security")):
            return True
        if not _is_client_error(record):
            return True
        context = current.get()
        if context is not None and not context.error:
            context.error = record.getMessage()[:300]
        return False


def request_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)}


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger: message`, then the request's id (and on the request line its user
    and any reason for a 4xx) as key=value pairs."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # before any traceback
        line = super().formatMessage(record)
        fields = request_fields(record)
        pairs = [
            f"{name}={json.dumps(fields[name]) if name == 'error' else fields[name]}"
            for name in ("request_id", "user_id", "error")
            if fields.get(name) not in (None, "")
        ]
        return " ".join([line, *pairs])


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's fields, and the
    traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **request_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
