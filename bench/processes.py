"""The real processes a production ward runs, started on the bench database
and Redis: a gunicorn serving the app (DEBUG off, WhiteNoise static files
collected into a temporary STATIC_ROOT) and a Celery worker."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of a process on the bench database (not the configured one)."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "false",
        "HTTPS": "false",
        "SECRET_KEY": settings.SECRET_KEY or "bench-only-secret-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen, log) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@contextmanager
def gunicorn(workers: int = 3):
    """Yields the base URL of a gunicorn on the bench database."""
    with tempfile.TemporaryDirectory(prefix="crs-bench-static-") as static_root:
        env = bench_env(DJANGO_SETTINGS_MODULE="bench.settings", BENCH_STATIC_ROOT=static_root)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
        port = free_port()
        log = tempfile.NamedTemporaryFile("w+", prefix="crs-bench-gunicorn-", suffix=".log")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "crsmonitor.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--log-level=warning",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(url + "/login/", process, log)
            yield url
        finally:
            _stop(process, log)


def _wait_for(url: str, process: subprocess.Popen, log, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited:\n{log.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} within {within:.0f} s")


@contextmanager
def celery_worker(concurrency: int = 2):
    """A Celery worker on the bench database and Redis, like `make worker`."""
    from crsmonitor.celery import app

    app.control.purge()
    log = tempfile.NamedTemporaryFile("w+", prefix="crs-bench-worker-", suffix=".log")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crsmonitor",
            "worker",
            f"--concurrency={concurrency}",
            "--hostname=bench@%h",
            "--loglevel=warning",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=BASE_DIR,
        env=bench_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        name = f"bench@{socket.gethostname()}"
        while not app.control.ping(destination=[name], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the Celery worker did not start:\n{log.read()[-3000:]}")
        yield process
    finally:
        _stop(process, log)
