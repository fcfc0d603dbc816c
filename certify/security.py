"""Content-Security-Policy violation reports: what a browser refused, read and logged.

Browsers send either the older `application/csp-report` body ({"csp-report": {...}}) or the
Reporting API's list of reports (`application/reports+json`); either is reduced to the few
fields worth a log line. Reports come from anyone's browser, so nothing in them is trusted:
fields are cut short, and a body that is not a report is refused.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("certify.security")

MAX_REPORT_BYTES = 64 * 1024
MAX_FIELD = 300
FIELDS = {
    # csp-report name: Reporting API name
    "document-uri": "documentURL",
    "violated-directive": "effectiveDirective",
    "blocked-uri": "blockedURL",
    "source-file": "sourceFile",
    "line-number": "lineNumber",
}


class NotAReport(ValueError):
    """The body is not a CSP violation report."""


@dataclass(frozen=True)
class Violation:
    document: str
    directive: str
    blocked: str
    source: str
    line: str


def _field(report: dict[str, Any], old: str, new: str) -> str:
    value = report.get(old, report.get(new, ""))
    return str(value)[:MAX_FIELD] if value is not None else ""


def _one(report: object) -> Violation:
    if not isinstance(report, dict):
        raise NotAReport("a report is an object")
    values = [_field(report, old, new) for old, new in FIELDS.items()]
    if not values[1]:
        raise NotAReport("a report names the directive it violated")
    return Violation(*values)


def violations_read(body: bytes) -> list[Violation]:
    """The violations in a report body, or NotAReport."""
    if len(body) > MAX_REPORT_BYTES:
        raise NotAReport("the report is too large")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise NotAReport("the report is not JSON") from error
    if isinstance(data, dict) and "csp-report" in data:
        return [_one(data["csp-report"])]
    if isinstance(data, list) and data:
        return [_one(item.get("body") if isinstance(item, dict) else item) for item in data[:20]]
    raise NotAReport("no csp-report in the body")


def violations_log(violations: list[Violation]) -> None:
    for violation in violations:
        log.warning(
            "CSP violation: %s blocked %s on %s",
            violation.directive,
            violation.blocked or "(inline)",
            violation.document,
            extra={
                "event": "csp_violation",
                "directive": violation.directive,
                "blocked": violation.blocked,
                "document": violation.document,
                "source": violation.source,
                "line": violation.line,
            },
        )
