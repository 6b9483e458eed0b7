import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def _sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_pages_carry_a_strict_content_security_policy(client, nurse, ward):
    client.force_login(nurse)
    response = client.get(reverse("ward_patients", args=[ward.pk]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, nurse):
    def answer(username):
        page = _sign_in(client, username, "not-the-password").content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        return page.replace(username, "USERNAME")

    wrong, unknown = answer(nurse.username), answer("nobody-here")
    assert "Please enter a correct username and password" in wrong
    assert wrong == unknown


def test_sign_in_is_paused_after_five_failures(client, nurse):
    for _ in range(4):
        assert _sign_in(client, nurse.username, "guess").status_code == 200
    assert _sign_in(client, nurse.username, "guess").status_code == 429
    locked = _sign_in(client, nurse.username)  # even the right password now
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_clears_earlier_failures(client, nurse):
    for _ in range(4):
        _sign_in(client, nurse.username, "guess")
    assert _sign_in(client, nurse.username).status_code == 302


@pytest.mark.parametrize("password", ["short-pw", "password1234", "123456789012"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_an_idle_session_ends_and_sign_in_returns_to_the_page(client, nurse, ward):
    page = reverse("ward_patients", args=[ward.pk])
    _sign_in(client, nurse.username)
    assert client.get(page).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert "idle=1" in response["Location"]
        login_page = client.get(response["Location"]).content.decode()
        assert "signed out after 15 minutes without activity" in login_page
        back = client.post(response["Location"], {"username": nurse.username, "password": PASSWORD})
        assert back["Location"] == page


def test_activity_keeps_the_session_and_background_polls_do_not(client, nurse, ward):
    page = reverse("ward_patients", args=[ward.pk])
    _sign_in(client, nurse.username)
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=10)):
        assert client.get(page).status_code == 200  # activity
    with time_machine.travel(start + timedelta(minutes=20)):
        assert client.get(page, headers={"X-Background-Poll": "1"}).status_code == 200
    with time_machine.travel(start + timedelta(minutes=26)):
        # 16 minutes after the last real activity; the poll did not count.
        assert client.get(page).status_code == 302


def test_an_idle_htmx_request_sends_the_whole_tab_to_sign_in(client, nurse, ward):
    page = reverse("ward_patients", args=[ward.pk])
    _sign_in(client, nurse.username)
    client.get(page)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.get(
            page, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
        )
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert "next=" in response["HX-Redirect"]


def test_switch_user_signs_out_and_offers_sign_in_for_the_same_page(client, nurse, ward):
    page = reverse("ward_patients", args=[ward.pk])
    client.force_login(nurse)
    next_url = f"{reverse('login')}?next={page}"
    response = client.post(reverse("logout"), {"next": next_url})
    assert response["Location"] == next_url
    assert "_auth_user_id" not in client.session
