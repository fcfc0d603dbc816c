"""ASGI entry point: `uvicorn certify.asgi:application` (streaming needs ASGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")

application = get_asgi_application()
