"""The admin keeps an episode with its patient: the patient is chosen when the
episode is added and shown, never edited, afterwards."""

import pytest
from django.urls import reverse

# admin_client: pytest-django's client, logged in as a superuser.
pytestmark = pytest.mark.django_db


def test_an_episode_cannot_be_moved_to_another_patient_in_the_admin(
    admin_client, episode, make_episode
):
    other = make_episode().patient
    url = reverse("admin:patients_episode_change", args=[episode.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "patient" not in page.context["adminform"].form.fields
    form = {
        "patient": other.pk,
        "product": episode.product,
        "admitted_at_0": episode.admitted_at.strftime("%Y-%m-%d"),
        "admitted_at_1": episode.admitted_at.strftime("%H:%M:%S"),
        "infusion_at_0": episode.infusion_at.strftime("%Y-%m-%d"),
        "infusion_at_1": episode.infusion_at.strftime("%H:%M:%S"),
    }
    response = admin_client.post(url, form)
    assert response.status_code in (200, 302)
    episode.refresh_from_db()
    assert episode.patient_id != other.pk


def test_the_patient_is_chosen_when_an_episode_is_added(admin_client):
    page = admin_client.get(reverse("admin:patients_episode_add"))
    assert "patient" in page.context["adminform"].form.fields


def test_a_patient_still_moves_ward_in_the_admin(admin_client, episode):
    page = admin_client.get(reverse("admin:patients_patient_change", args=[episode.patient_id]))
    assert "ward" in page.context["adminform"].form.fields
