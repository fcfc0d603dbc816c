"""ASGI entry point: `uvicorn certify.asgi:application` (streaming needs ASGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
# The adaptive engine's small matrix products are fastest on one thread; BLAS threads in every
# worker would fight over the cores (measured: 2-4 ms per choice vs 100-300 ms under load).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

application = get_asgi_application()
