import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_production_environment() -> None:
    """Refuse to serve in production without a secret key, hosts and a database."""
    if settings.DEBUG:
        return
    missing = [name for name in settings.REQUIRED_IN_PRODUCTION if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(
            f"Set {', '.join(missing)} in the environment (or DEBUG=true for development)."
        )
