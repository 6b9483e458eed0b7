from functools import cached_property

from . import selectors


class Badge:
    """The alert count on every page, counted only if the page shows it."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def count(self) -> int:
        return selectors.open_alert_count(self._user) if self._user.is_authenticated else 0

    @cached_property
    def newest(self) -> int:
        # Asked whatever the count, so a page costs the same queries either way.
        return selectors.newest_open_notification(self._user) if self._user.is_authenticated else 0


def alerts(request):
    return {"alert_badge": Badge(request.user)}
