"""Error pages. A lost database connection is not a server error to the
nurse: it answers "not saved, try again" and keeps what she typed."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.views import defaults

# django.db's wrappers of the driver's errors for a connection that failed
# or was lost (PostgreSQL restarting, a failover, the network).
DATABASE_LOST = (OperationalError, InterfaceError)

# Never written back into a page.
NOT_KEPT = ("csrfmiddlewaretoken", "password")


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: Django calls it inside the `except` that caught the error."""
    if isinstance(sys.exc_info()[1], DATABASE_LOST):
        return database_unavailable(request)
    return defaults.server_error(request, template_name)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    """handler400. The session is written after the view: a connection lost
    then surfaces as Django's SessionInterrupted (a 400), whose cause is the
    lost database, and the nurse is owed "not saved, try again" for it too."""
    if _caused_by_lost_database(exception):
        return database_unavailable(request)
    return defaults.bad_request(request, exception, template_name)


def _caused_by_lost_database(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DATABASE_LOST):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def database_unavailable(request) -> HttpResponse:
    """503, rendered without touching the database (no session, no user).

    A form is sent back as it came, with its idempotency key, so "Try again"
    saves it once however many times it was sent.
    """
    if request.headers.get("HX-Request"):
        # htmx leaves the form as it is on an error; bedside.js says why.
        said = (
            "Not saved: the database did not answer. Try again."
            if request.method == "POST"
            else "The database did not answer: try again in a moment."
        )
        response = HttpResponse(said, status=503)
    else:
        kept = []
        if request.method == "POST":
            kept = [
                (name, value)
                for name, values in request.POST.lists()
                if not any(word in name for word in NOT_KEPT)
                for value in values
            ]
        page = render_to_string(
            "database_unavailable.html",
            {
                "posted": request.method == "POST",
                "kept": kept,
                "action": request.get_full_path(),
                "csrf_token": get_token(request),
            },
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = "5"
    return response
