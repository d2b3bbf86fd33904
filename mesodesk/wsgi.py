"""WSGI entry point (gunicorn mesodesk.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesodesk.settings")
application = get_wsgi_application()
