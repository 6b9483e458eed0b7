"""A ward under load (make bench, bench/load.py): nurses charting vitals at the
bedside and physicians' boards polling, against gunicorn with PostgreSQL,
Redis and a Celery worker. The sessions and patients come from the plan the
bench writes (BENCH_LOAD_PLAN): signed-in users, no password involved."""

import json
import os
import random
import re
from itertools import count

from locust import HttpUser, between, constant_pacing, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8").read())
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'(name|value|type)="([^"]*)"')
NURSES, BOARDS = count(), count()


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in INPUT.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


def _signed_in(user, person: dict) -> None:
    user.client.cookies.set(PLAN["cookie_name"], person["session"])


class Nurse(HttpUser):
    """Charts a full vitals set for her patient every 5 to 15 s (hourly
    vitals on an unwell patient, some 300 times faster): the form, then the
    save, which queues a regrade on the worker."""

    fixed_count = PLAN["nurses"]
    wait_time = between(5, 15)

    def on_start(self):
        person = PLAN["nurse_sessions"][next(NURSES) % len(PLAN["nurse_sessions"])]
        _signed_in(self, person)
        self.form = f"/patients/{person['patient']}/bedside/vitals/"

    @task
    def chart_vitals(self):
        page = self.client.get(self.form, name="vitals form")
        if page.status_code != 200:
            return
        fields = hidden_fields(page.text)
        observed = re.search(r'name="observed_at"[^>]*value="([^"]*)"', page.text)
        data = {
            **fields,
            "observed_at": observed.group(1) if observed else "",
            "temperature": f"{random.uniform(36.5, 38.9):.1f}",
            "temperature_unit": "C",
            "heart_rate": str(random.randint(70, 120)),
            "systolic": str(random.randint(100, 135)),
            "diastolic": str(random.randint(60, 85)),
            "respiratory_rate": str(random.randint(14, 22)),
            "spo2": str(random.randint(94, 99)),
        }
        with self.client.post(
            self.form,
            data=data,
            headers={"Referer": self.host + self.form},
            allow_redirects=False,
            name="vitals save",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                error = re.search(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', response.text)
                response.failure(
                    f"not saved ({response.status_code}): {error.group(1) if error else ''}"
                )


class Board(HttpUser):
    """A physician's board left open: drawn once, then the htmx poll every
    10 s as the page does (grading.board_views.POLL_SECONDS), carrying the
    version and the cards it holds."""

    fixed_count = PLAN["boards"]
    wait_time = constant_pacing(PLAN["poll_seconds"])

    def on_start(self):
        person = PLAN["board_sessions"][next(BOARDS) % len(PLAN["board_sessions"])]
        _signed_in(self, person)
        self.path = person["board"]
        self.state = {}
        page = self.client.get(self.path, name="board")
        self._hold(page.text)

    def _hold(self, html: str) -> None:
        version = re.search(r'name="version" value="([^"]+)"', html)
        if version:
            self.state = {
                "version": version.group(1),
                "have": re.findall(r'name="have" value="([^"]+)"', html),
            }

    @task
    def poll(self):
        response = self.client.get(
            self.path,
            params=self.state,
            headers={"HX-Request": "true", "X-Background-Poll": "1"},
            name="board poll",
        )
        if response.status_code == 200:
            self._hold(response.text)
