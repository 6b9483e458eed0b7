"""Starting a real Celery worker on the test database and Redis, for the tests
that need one (the regrade pipeline, a worker lost mid-task)."""

import os
import subprocess
import sys

from django.conf import settings
from django.db import connection


def start_worker(name: str = "worker", **extra_env: str) -> subprocess.Popen:
    test_db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{test_db['USER']}@{test_db['HOST']}:{test_db['PORT']}/{test_db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "DB_CONN_MAX_AGE": "0",
        **extra_env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crsmonitor",
            "worker",
            "--pool=solo",
            f"--hostname={name}@%h",
            "--loglevel=info",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
