"""WSGI entry point, for tools that need one; the live demos stream only under ASGI."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")

application = get_wsgi_application()
