"""The load run: Locust (headless, as a subprocess) against gunicorn with
PostgreSQL, Redis and a Celery worker; 20 nurses charting and 10 boards
polling. Prints throughput, p95 and errors per request kind."""

import csv
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass(frozen=True)
class LoadRow:
    name: str
    requests: int
    failures: int
    per_second: float
    p50_ms: float
    p95_ms: float


def run_load(
    url: str, plan: dict, env: dict, *, seconds: int, spawn_rate: int = 10
) -> tuple[list[LoadRow], list[str]]:
    """(a row per request kind and the total, the distinct failures)."""
    users = plan["nurses"] + plan["boards"]
    with tempfile.TemporaryDirectory(prefix="crs-bench-load-") as folder:
        plan_path = Path(folder, "plan.json")
        plan_path.write_text(json.dumps(plan))
        prefix = str(Path(folder, "load"))
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(spawn_rate),
                "-t",
                f"{seconds}s",
                "--host",
                url,
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--exit-code-on-error",
                "0",
            ],
            cwd=settings.BASE_DIR,
            env={**env, "BENCH_LOAD_PLAN": str(plan_path)},
            capture_output=True,
            text=True,
        )
        stats = Path(f"{prefix}_stats.csv")
        if done.returncode != 0 or not stats.exists():
            raise RuntimeError(f"locust exited {done.returncode}:\n{done.stderr[-3000:]}")
        with stats.open(newline="") as handle:
            rows = [
                LoadRow(
                    name=row["Name"],
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    per_second=float(row["Requests/s"]),
                    p50_ms=float(row["50%"] or 0),
                    p95_ms=float(row["95%"] or 0),
                )
                for row in csv.DictReader(handle)
            ]
        failures_path = Path(f"{prefix}_failures.csv")
        failures = []
        if failures_path.exists():
            with failures_path.open(newline="") as handle:
                failures = [
                    f"{row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error']}"
                    for row in csv.DictReader(handle)
                ]
    return rows, failures


def load_table(rows: list[LoadRow]) -> str:
    header = f"{'request':<24} {'count':>7} {'errors':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.name:<24} {row.requests:>7} {row.failures:>7} {row.per_second:>7.1f}"
            f" {row.p50_ms:>8.0f} {row.p95_ms:>8.0f}"
        )
    return "\n".join(lines)
