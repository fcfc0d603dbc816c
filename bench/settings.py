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

# Every simulated learner comes from 127.0.0.1: allauth's per-address limits on sign-up and
# login (20 and 30 a minute by default, meant for one person's address) would refuse a class
# arriving at once from one address. The benches lift those two (and say so); the lockout's
# failed-login and password-reset limits stay as the product sets them.
ACCOUNT_RATE_LIMITS = {
    **_project.ACCOUNT_RATE_LIMITS,
    "signup": "100000/m/ip",
    "login": "100000/m/ip",
}
