"""ASGI entry point: `uvicorn certify.asgi:application` (streaming needs ASGI)."""

import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
# The adaptive engine's small matrix products are fastest on one thread; BLAS threads in every
# worker would fight over the cores (measured: 2-4 ms per choice vs 100-300 ms under load).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

application = get_asgi_application()

# Import every view now (and with them the Agents SDK), then take what startup built out of
# the garbage collector's sight. Otherwise each full collection walks those ~250k long-lived
# objects and stops every open stream for about 0.2 s (measured in the streaming benchmark:
# one such stall per batch of 100 streams, enough alone to push p95 time to first token past
# twice the single-stream figure).
import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
