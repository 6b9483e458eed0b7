"""manage.py bench (make bench): seed a large CAR-T unit into a database of its
own and print the server time of the board, a patient's pages and the board's
poll when nothing changed.

The database is the configured one's test database under a `_bench` name,
created here and dropped afterwards, so the benchmark never touches real data
and never collides with a test run.
"""

import re
import time
import warnings

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bench.timing import client_for, measure, table
from bench.unit import seed_unit
from grading.board import board_version
from grading.models import Assessment
from patients.models import (
    Episode,
    LabResult,
    MedicationAdministration,
    NeuroAssessment,
    VitalsSet,
)


class Command(BaseCommand):
    help = "Seed a large CAR-T unit in a separate database and time the board and patient pages."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=60)
        parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
        parser.add_argument(
            "--keep", action="store_true", help="keep the bench database afterwards"
        )

    def handle(self, *args, patients, requests, keep, **options):
        # The bench serves no static files; whitenoise's note about it is noise here.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        if settings.DEBUG:
            # DEBUG keeps every query in memory and slows each one down.
            raise CommandError("Run the benchmark with DEBUG=false (make bench does).")
        test_settings = connection.settings_dict.setdefault("TEST", {})
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_bench"
        original = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        self.stdout.write(f"Bench database: {connection.settings_dict['NAME']}")
        try:
            self._run(patients, requests)
        finally:
            if not keep:
                connection.creation.destroy_test_db(original, verbosity=0)

    def _run(self, patients: int, requests: int) -> None:
        started = time.perf_counter()
        ward = seed_unit(patients)
        episodes = list(Episode.objects.filter(patient__ward=ward).select_related("patient"))
        rows = ", ".join(
            f"{model.objects.count()} {model._meta.verbose_name_plural}"
            for model in (
                VitalsSet,
                LabResult,
                NeuroAssessment,
                MedicationAdministration,
                Assessment,
            )
        )
        self.stdout.write(
            f"Seeded {len(episodes)} patients in {time.perf_counter() - started:.0f} s"
            f" (assessments by the real regrade): {rows}."
        )

        physician = User.objects.get(username="bench.physician")
        client = client_for(physician)
        board = reverse("ward_patients", args=[ward.pk])
        sickest = max(episodes, key=lambda e: e.assessments.latest_first().first().crs_grade)
        patient_pages = [e.patient_id for e in episodes[:requests]]
        page = client.get(board, secure=True).content.decode()
        held = re.findall(r'name="have" value="([0-9]+:[0-9a-f]+)"', page)

        token = {}

        def poll():
            # The token a page drawn this minute holds (worked out again only
            # when the minute turns, which is part of the token).
            minute = timezone.now().replace(second=0, microsecond=0)
            if minute not in token:
                token.clear()
                token[minute] = board_version(user=physician, wards=[ward], now=minute)
            return client.get(
                board,
                {"version": token[minute], "have": held},
                headers={"HX-Request": "true", "X-Background-Poll": "1"},
            )

        cycle = iter(range(10**9))
        timings = [
            measure(f"board, {len(episodes)} patients", lambda: client.get(board), requests),
            measure("board poll, nothing changed (204)", poll, requests),
            measure("all-wards board", lambda: client.get(reverse("board")), requests),
            measure(
                "patient page, 7 days (a different one each)",
                lambda: client.get(
                    reverse(
                        "patient_detail", args=[patient_pages[next(cycle) % len(patient_pages)]]
                    )
                ),
                requests,
            ),
            measure(
                "trajectory, 7 days (the sickest patient)",
                lambda: client.get(reverse("trajectory", args=[sickest.patient_id])),
                requests,
            ),
            measure(
                "downtime sheets, whole ward",
                lambda: client.get(reverse("ward_downtime", args=[ward.pk])),
                max(5, requests // 5),
            ),
        ]
        self.stdout.write("")
        self.stdout.write(table(timings))
