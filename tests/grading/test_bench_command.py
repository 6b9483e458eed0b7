"""`make bench` runs end to end and prints every row of issue 12's table.
Its figures are printed, never asserted: a test cannot know the machine."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

# A line of each detailed timing and each row of the targets table, whatever
# the sizes (the quick run seeds 4/8/16 patients and 1/2/4-day stays).
ROWS = (
    "board, 4 patients ",
    "board raw-SQL floor, 16 patients",
    "board poll (204), 16 patients",
    "patient page, 7 days, 16-patient unit",
    "trajectory, 7 days, 16-patient unit",
    "regrade(), 4-day stay",
    "patient page, 4-day stay",
    "trajectory, 4-day stay",
    "Issue 12 targets",
    "board, 4 patients vs its raw-SQL floor",
    "board, 8 patients vs its raw-SQL floor",
    "board, 16 patients vs its raw-SQL floor",
    "board, 16 vs 4 patients",
    "regrade(), 4-day vs 1-day stay",
    "patient page, 4 vs 2 days",
    "trajectory, 4 vs 2 days",
    "manage.py grade, 168 hourly cases, beyond start-up",
    "chart to new grade through the worker, p95",
    "trajectory first draw, tablet (4x CPU, cold cache)",
    "Load run (20 nurses charting, 10 boards polling): not run (--skip-load)",
)


def test_the_quick_bench_prints_every_row_of_the_table():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the bench runs on PostgreSQL")
    # Its own database name, so a `make bench` running beside it is left alone.
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{url}/{db['NAME']}_smoke",
        "DEBUG": "false",
        "HTTPS": "false",
        "SECRET_KEY": "bench-smoke-test-key",
    }
    run = subprocess.run(
        [sys.executable, "manage.py", "bench", "--quick", "--skip-browser", "--skip-load"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    missing = [row for row in ROWS if row not in run.stdout]
    assert not missing, f"missing rows {missing} in:\n{run.stdout}"
    # Every target row ends with a verdict (met, NOT MET, or not run and why).
    table = run.stdout.split("Issue 12 targets", 1)[1].strip().splitlines()[2:12]
    assert all(line.endswith(("met", "NOT MET", "not run")) for line in table), table
    # Then the noise of the notifications over the seeded stays.
    assert "notifications per patient-day:" in run.stdout.split("Issue 12 targets", 1)[1]
