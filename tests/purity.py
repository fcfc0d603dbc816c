"""What a fresh interpreter imports: proof that a pure module stays free of Django, and that the
product never loads the benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_PROBE = """
import json, sys
{setup}
import {module}
print(json.dumps(sorted(sys.modules)))
"""
_DJANGO_SETUP = "import django; django.setup()"


def modules_after_import(*modules: str, django_settings: str | None = None) -> list[str]:
    """Every module a fresh interpreter holds after importing `modules`; with
    `django_settings`, Django is set up first, else DJANGO_SETTINGS_MODULE is unset."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    if django_settings:
        env["DJANGO_SETTINGS_MODULE"] = django_settings
    setup = _DJANGO_SETUP if django_settings else ""
    code = _PROBE.format(setup=setup, module=", ".join(modules))
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(done.stdout.splitlines()[-1]))


def django_modules_imported_by(module: str) -> list[str]:
    """The Django modules a fresh interpreter holds after `import module`, settings unset."""
    return [name for name in modules_after_import(module) if name.split(".")[0] == "django"]
