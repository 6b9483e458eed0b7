"""Starting a real Celery worker on the test database and Redis, for the tests
that need one (the regrade pipeline, a worker lost mid-task)."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection

from crsmonitor.celery import app as celery_app


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


@contextmanager
def running_worker(name: str = "worker", **extra_env: str):
    """A worker that answers a ping before the test goes on, and tasks sent
    to it rather than run in-process; stopped (its log printed) afterwards."""
    celery_app.control.purge()
    process = start_worker(name, **extra_env)
    celery_app.conf.task_always_eager = False
    ready_by = time.monotonic() + 60
    while not celery_app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > ready_by:
            process.kill()
            pytest.fail("the Celery worker did not start:\n" + process.communicate()[0])
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        output, _ = process.communicate(timeout=20)
        print(output)
