import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crsmonitor.settings")
application = get_wsgi_application()

from crsmonitor.environment import require_production_environment  # noqa: E402

require_production_environment()
