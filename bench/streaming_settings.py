"""Django settings for the streaming benchmark's certify server: production's, with the limits
raised for the run.

The per-user rate limit is out of the way; the global cap on open streams is the benchmark's
to set (`BENCH_LESSONS_CAP`): 1 for the sequential streams, so that a Run press right after a
stream has closed proves its slot was already free, and the level's size for streams launched
together, so that a slot still held from before shows as a refusal.
"""

from __future__ import annotations

import os

from certify.settings import *  # noqa: F403  # the product's settings, changed below

LESSONS_RUNS_PER_WINDOW = 10**6
LESSONS_MAX_CONCURRENT_RUNS = int(os.environ.get("BENCH_LESSONS_CAP", "1000000"))
# Static files from the app folders without a manifest (the benchmark never collects them).
STATIC_ROOT = None  # type: ignore[assignment]  # nothing collected: WhiteNoise serves the apps'
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
