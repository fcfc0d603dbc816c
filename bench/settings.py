"""The benches' settings: the project's, plus a bare view to measure the stack against
(bench/urls.py). Servers started by bench/stack.py use it; the product never does."""

from __future__ import annotations

from certify import settings as _project

globals().update({name: value for name, value in vars(_project).items() if name.isupper()})

ROOT_URLCONF = "bench.urls"
# The benches speak plain HTTP to 127.0.0.1: cookies marked Secure would never come back.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
