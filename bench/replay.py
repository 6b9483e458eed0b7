"""`manage.py grade` replaying a stay hour by hour (spec/grade-command.md):
168 hourly cases of a seeded patient's week in one process, against the same
command given one case (Django's start-up and the command's own)."""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from grading.rules.case import case_of
from grading.snapshot import episode_snapshot

HOURS = 168


def hourly_cases(episode, hours: int = HOURS) -> list[dict]:
    """The episode's chart as the rules saw it at each hour after infusion."""
    episode = type(episode).objects.select_related("patient__ward").get(pk=episode.pk)
    return [
        case_of(episode_snapshot(episode, episode.infusion_at + timedelta(hours=hour)))
        for hour in range(1, hours + 1)
    ]


def _run(path: Path, env: dict, expect: int | None) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "grade", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"manage.py grade exited {done.returncode}: {done.stderr[-2000:]}")
    output = json.loads(done.stdout)
    if expect is not None and len(output) != expect:
        raise RuntimeError(f"manage.py grade answered {len(output)} results for {expect} cases")
    return elapsed


def grade_replay(episode, env: dict, runs: int = 3) -> tuple[float, float, int]:
    """(median seconds for all cases, median seconds for one case, cases)."""
    cases = hourly_cases(episode)
    with tempfile.TemporaryDirectory(prefix="crs-bench-grade-") as folder:
        many, one = Path(folder, "week.json"), Path(folder, "one.json")
        many.write_text(json.dumps(cases))
        one.write_text(json.dumps(cases[-1]))
        _run(one, env, None)  # warms the disk cache for the interpreter's files
        whole, single = [], []
        for _ in range(runs):
            whole.append(_run(many, env, len(cases)))
            single.append(_run(one, env, None))
    return statistics.median(whole), statistics.median(single), len(cases)
