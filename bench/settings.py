"""Settings for the processes the bench starts (gunicorn for the browser and
the load run): the project's own settings, with the static files collected
into a temporary directory so a bench run leaves the checkout as it was."""

import os
from pathlib import Path

from crsmonitor.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
