"""PostgreSQL unavailable for a while during saves, on the real server: the
test database refuses new connections and its open ones are cut, as a
restart would, while the bedside form is saved through the real view. Only
the test database is touched; the other databases on the server carry on."""

import random
import threading

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from patients.models import VitalsSet
from tests.patients import entries
from tests.test_error_pages import _hidden

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PRESSORS = ["norepinephrine", "vasopressin"]


@pytest.fixture
def answers(client):
    """The client as a browser sees it: error pages, not re-raised exceptions."""
    client.raise_request_exception = False
    return client


@pytest.fixture
def server(on_postgresql):
    """A superuser connection to the server's maintenance database, from which
    the test database is closed and reopened."""
    settings = connection.settings_dict
    name = settings["NAME"]
    assert name.startswith("test_"), name  # never the real chart
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        outage = Outage(admin, name)
        yield outage
        outage.end()


class Outage:
    def __init__(self, admin, name: str):
        self.admin, self.name = admin, name
        self.quoted = connection.ops.quote_name(name)

    def cut(self) -> int:
        """Close every open connection to the test database."""
        cut = self.admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.name],
        ).fetchone()[0]
        return cut

    def begin(self) -> None:
        self.admin.execute(f"ALTER DATABASE {self.quoted} ALLOW_CONNECTIONS false")
        self.cut()

    def end(self) -> None:
        self.admin.execute(f"ALTER DATABASE {self.quoted} ALLOW_CONNECTIONS true")


def _post(client, path: str, data: dict):
    response = client.post(path, data)
    # A server drops a broken connection at the end of each request
    # (close_old_connections on request_finished); the test client skips that
    # signal, so do what it would.
    connection.close_if_unusable_or_obsolete()
    return response


def _assert_not_saved_page(response, path: str, sent: dict) -> dict:
    assert response.status_code == 503, response.status_code
    page = response.content.decode()
    assert "Not saved: try again" in page
    assert f'<form method="post" action="{path}">' in page
    kept = _hidden(page)
    assert kept["idempotency_key"] == [sent["idempotency_key"]]
    assert kept["heart_rate"] == [sent["heart_rate"]]
    assert sorted(kept["vasopressors"]) == PRESSORS
    return kept


def _assert_whole(vitals: VitalsSet) -> None:
    """No half-saved set: a set that was saved has the vasopressors it was sent with."""
    assert vitals.vasopressors_recorded
    assert sorted(p.drug for p in vitals.vasopressors.all()) == PRESSORS


def _form(episode, n: int) -> dict:
    data = entries.vitals(
        episode, systolic="86", diastolic="50", heart_rate=str(100 + n), temperature="38.6"
    )
    data["vasopressors"] = PRESSORS
    return data


def test_saves_while_the_database_is_down_answer_not_saved_and_the_retry_saves_once(
    answers, server, nurse, episode
):
    answers.force_login(nurse)
    path = entries.url("vitals_entry", episode)
    before = _form(episode, 0)
    assert _post(answers, path, before).status_code < 400

    server.begin()
    # The open connection is cut, then no new one is let in.
    first, second = _form(episode, 1), _form(episode, 2)
    kept_first = _assert_not_saved_page(_post(answers, path, first), path, first)
    kept_second = _assert_not_saved_page(_post(answers, path, second), path, second)
    server.end()

    # Nothing restarted: the next request connects afresh. "Try again", twice.
    for kept in (kept_first, kept_first, kept_second):
        assert _post(answers, path, kept).status_code < 400
    after = _form(episode, 3)
    assert _post(answers, path, after).status_code < 400

    rows = VitalsSet.objects.filter(episode=episode)
    keys = [str(row.idempotency_key) for row in rows]
    sent = [before, first, second, after]
    assert sorted(keys) == sorted(data["idempotency_key"] for data in sent)
    for row in rows:
        _assert_whole(row)
    assert answers.get(reverse("bedside", args=[episode.patient_id])).status_code == 200


def test_connections_cut_again_and_again_during_a_run_of_saves_lose_nothing_and_halve_nothing(
    answers, server, nurse, episode
):
    """The cut lands wherever it lands: before the session is read, inside the
    save's transaction, between the set and its vasopressors, or in the regrade
    after the commit. Whatever it hits, no set is half-saved, a refused save says
    so and keeps the form, and its retry saves it once."""
    answers.force_login(nurse)
    path = entries.url("vitals_entry", episode)
    # One cut per save, at a different moment into each (pacing only, nothing
    # is timed): some land before the save, some inside it, some after.
    moments = random.Random(11)
    sent, refused, cuts = [], [], []
    for n in range(20):
        data = _form(episode, n)
        sent.append(data)
        cutter = threading.Timer(moments.uniform(0, 0.15), lambda: cuts.append(server.cut()))
        cutter.start()
        response = _post(answers, path, data)
        cutter.join(timeout=30)
        if response.status_code == 503:
            refused.append(_assert_not_saved_page(response, path, data))
        else:
            assert response.status_code < 400, response.status_code
    connection.close()
    assert sum(cuts), "no cut reached a connection"

    for row in VitalsSet.objects.filter(episode=episode):
        _assert_whole(row)
    # Every refused form, retried twice as it was kept, is then saved once.
    for kept in refused:
        _post(answers, path, kept)
        _post(answers, path, kept)
    keys = list(VitalsSet.objects.filter(episode=episode).values_list("idempotency_key", flat=True))
    assert sorted(map(str, keys)) == sorted(data["idempotency_key"] for data in sent)
    for row in VitalsSet.objects.filter(episode=episode):
        _assert_whole(row)
