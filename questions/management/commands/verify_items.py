"""Derive every item's key again on the installed SDK; record it; fail on a key that broke."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from questions.services.keys import BrokenKey, KeyReport, keys_verify


class Command(BaseCommand):
    help = (
        "Run every generated item's scenario and every hand-written item's deriver on the "
        "installed SDK, record per item whether its key holds (with the SDK version), and list "
        "the items whose key broke by family and variant, with the old and the new outcome. "
        "Exits non-zero if any broke."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = keys_verify()
        self.stdout.write(
            f"openai-agents {report.sdk_version}: {report.checked} keys derived, "
            f"{len(report.held)} hold, {len(report.broken)} broken."
        )
        if report.unverified:
            self.stdout.write(
                f"{len(report.unverified)} items have no deriver yet: "
                + ", ".join(report.unverified)
            )
        if report.broken:
            self.stdout.write(_broken(report))
            raise CommandError(
                f"{len(report.broken)} keys no longer hold on openai-agents {report.sdk_version}."
            )
        self.stdout.write(self.style.SUCCESS("Every derived key holds."))


def _broken(report: KeyReport) -> str:
    lines = ["", "Broken keys:"]

    def by_family(key: BrokenKey) -> str:
        return key.family or "(hand-written)"

    for family, keys in groupby(sorted(report.broken, key=by_family), key=by_family):
        lines.append(f"  {family}")
        for key in keys:
            where = f" ({key.variant})" if key.variant else ""
            lines.append(
                f"    {key.question_id}{where}: keyed {key.keyed}, the run makes "
                f"{key.derived or 'none'} true"
            )
            lines.append(f"      before: {_flat(key.before)}")
            lines.append(f"      now:    {_flat(key.now)}")
    return "\n".join(lines)


def _flat(text: str) -> str:
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())
