"""Server time of real requests, in process: Django's test client goes through
every middleware, the database and the templates, with no network between."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test import Client


@dataclass(frozen=True)
class Timing:
    what: str
    status: int
    queries: int
    times_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[-1]


def client_for(user) -> Client:
    # secure: a production-like run redirects plain HTTP to HTTPS.
    client = Client(HTTP_HOST="localhost", secure=True)
    client.force_login(user)
    return client


def measure(what: str, request: Callable, times: int, warm_up: int = 2) -> Timing:
    """`request()` makes one request; the first few warm the caches and are not counted."""
    for _ in range(warm_up):
        request()
    queries = 0

    def count(execute, *args):
        nonlocal queries
        queries += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        status = request().status_code
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        response = request()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != status:
            raise RuntimeError(f"{what}: answered {response.status_code}, expected {status}")
    return Timing(what, status, queries, samples)


def table(timings: list[Timing]) -> str:
    header = f"{'request':<44} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}"
    lines = [header, "-" * len(header)]
    for timing in timings:
        lines.append(
            f"{timing.what:<44} {timing.status:>6} {timing.queries:>7}"
            f" {timing.p50:>8.1f} {timing.p95:>8.1f}"
        )
    return "\n".join(lines)
