"""What a user meets when something is refused or fails: a page in the app's
layout with a way back, and for a lost database "not saved, try again" with
what was typed kept."""

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles import finders
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from patients import services
from patients.models import VitalsSet
from tests.patients import entries

pytestmark = pytest.mark.django_db

LOST = OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def answers(client):
    """The client as a browser sees it: error pages, not re-raised exceptions."""
    client.raise_request_exception = False
    return client


def _hidden(page: str) -> dict[str, list[str]]:
    kept: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        kept.setdefault(name, []).append(value)
    return kept


# --- 403 -----------------------------------------------------------------------


def test_a_refusal_is_a_page_with_the_reason_and_a_way_back(client, nurse):
    client.force_login(nurse)
    response = client.get(reverse("pharmacy_queue"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "The dose queue is for pharmacists and physicians." in page
    assert f'href="{reverse("home")}"' in page and "Back to your wards" in page
    assert "Sign out" in page  # the app's layout, with the user's bar


def test_a_stale_form_is_explained_not_bare(client, nurse):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(nurse)
    response = strict.post(reverse("logout"))
    assert response.status_code == 403
    assert "the form is out of date" in response.content.decode()


# --- favicon -------------------------------------------------------------------


def test_the_favicon_is_served_without_signing_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.ico"
    icon = finders.find("favicon.ico")
    with open(icon, "rb") as file:
        assert file.read(4) == b"\x00\x00\x01\x00"  # an ICO header


def test_pages_name_their_icon(client):
    page = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.ico"' in page


# --- A lost database -----------------------------------------------------------


def test_a_save_that_loses_the_database_keeps_the_form_and_saves_once_on_retry(
    answers, nurse, episode
):
    answers.force_login(nurse)
    path = entries.url("vitals_entry", episode)
    data = entries.vitals(episode, temperature="38.4", heart_rate="104")
    with mock.patch.object(services, "vitals_record", side_effect=LOST):
        response = answers.post(path, data)

    assert response.status_code == 503
    page = response.content.decode()
    assert "Not saved: try again" in page
    assert f'<form method="post" action="{path}">' in page
    kept = _hidden(page)
    assert kept["temperature"] == ["38.4"] and kept["heart_rate"] == ["104"]
    assert kept["idempotency_key"] == [data["idempotency_key"]]
    assert not VitalsSet.objects.exists()

    # "Try again", twice (a double tap): one row, with what was typed.
    retry = {name: values for name, values in kept.items()}
    answers.post(path, retry)
    answers.post(path, retry)
    vitals = VitalsSet.objects.get()
    assert vitals.heart_rate == 104


def test_an_htmx_save_that_loses_the_database_answers_503_and_leaves_the_form(
    answers, nurse, episode
):
    answers.force_login(nurse)
    with mock.patch.object(services, "vitals_record", side_effect=InterfaceError("closed")):
        response = entries.htmx(
            answers, entries.url("vitals_entry", episode), entries.vitals(episode)
        )
    # htmx does not swap an error answer: the form stays as typed, bedside.js says why.
    assert response.status_code == 503
    assert "Not saved" in response.content.decode()
    assert not VitalsSet.objects.exists()


def test_the_database_lost_before_the_view_still_gets_the_not_saved_page(answers, nurse, episode):
    # Even the session cannot be read: the page must not need the database.
    answers.force_login(nurse)
    with mock.patch.object(SessionStore, "load", side_effect=LOST):
        response = answers.post(
            entries.url("vitals_entry", episode), entries.vitals(episode, password="x")
        )
    assert response.status_code == 503
    page = response.content.decode()
    assert "Not saved: try again" in page
    assert 'name="password"' not in page
    assert response["Retry-After"]


def test_a_page_that_loses_the_database_offers_a_reload(answers, nurse, ward):
    answers.force_login(nurse)
    path = reverse("ward_patients", args=[ward.pk])
    with mock.patch("patients.access.Ward.objects.filter", side_effect=LOST):
        response = answers.get(path)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Not available for a moment" in page and f'href="{path}"' in page


def test_other_failures_are_still_server_errors(answers, nurse, episode):
    answers.force_login(nurse)
    with mock.patch.object(services, "vitals_record", side_effect=RuntimeError("bug")):
        response = answers.post(entries.url("vitals_entry", episode), entries.vitals(episode))
    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_by_postgresql_answers_not_saved_and_the_retry_saves(
    on_postgresql, answers, nurse, episode
):
    import psycopg
    from django.db import connection

    answers.force_login(nurse)
    path = entries.url("vitals_entry", episode)
    data = entries.vitals(episode, temperature="38.2")
    connection.ensure_connection()
    doomed = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [doomed])

    response = answers.post(path, data)
    assert response.status_code == 503
    assert "Not saved: try again" in response.content.decode()

    # A server drops a broken connection at the end of the request and the
    # next one connects afresh (CONN_HEALTH_CHECKS); the test client skips
    # that signal, so close it here as the request's end would.
    connection.close()
    assert not VitalsSet.objects.exists()
    answers.post(path, _hidden(response.content.decode()))
    assert VitalsSet.objects.get().temperature_c == Decimal("38.2")


def test_the_database_lost_while_the_session_is_written_is_not_a_bare_bad_request(
    answers, nurse, episode
):
    # The session is written after the view; Django turns a failed write into
    # SessionInterrupted, a 400, whose cause is the lost connection.
    from django.contrib.sessions.backends.base import UpdateError

    def lost_on_write(*args, **kwargs):
        try:
            raise LOST
        except OperationalError as lost:
            raise UpdateError from lost

    answers.force_login(nurse)
    path = entries.url("vitals_entry", episode)
    data = entries.vitals(episode, heart_rate="111")
    with mock.patch.object(SessionStore, "save", side_effect=lost_on_write):
        response = answers.post(path, data)
    assert response.status_code == 503
    assert "Not saved: try again" in response.content.decode()
    # The entry itself was committed: its retry, by the same key, adds nothing.
    answers.post(path, _hidden(response.content.decode()))
    assert VitalsSet.objects.get().heart_rate == 111
