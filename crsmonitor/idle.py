"""Shared ward tablets: a session ends after a spell without activity."""

import time
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

# Requests a page makes by itself (a board refreshing) send this header; they
# are not activity, or a wall board would never sign out.
BACKGROUND_HEADER = "X-Background-Poll"


def login_url(next_path: str, **flags) -> str:
    return f"{reverse('login')}?{urlencode({'next': next_path, **flags})}"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get("last_activity", now)
            if now - last > settings.IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                return self._to_login(request, idle="1")
            if BACKGROUND_HEADER not in request.headers:
                request.session["last_activity"] = now
        response = self.get_response(request)
        # An HTMX request answered by the login redirect would swap the login
        # page into a fragment: send the whole tab to the login page instead.
        if getattr(request, "htmx", False) and response.status_code == 302:
            if urlparse(response["Location"]).path == reverse("login"):
                return self._to_login(request)
        return response

    def _to_login(self, request, **flags):
        if getattr(request, "htmx", False):
            try:
                page = urlparse(request.htmx.current_url or "/").path
            except ValueError:  # the header is the browser's word, not ours: "http://[x"
                page = "/"
            return HttpResponseClientRedirect(login_url(page, **flags))
        page = request.get_full_path() if request.method == "GET" else request.path
        return redirect(login_url(page, **flags))
