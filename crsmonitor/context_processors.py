from django.conf import settings

from .policy import POLICY, may


class UnknownAction(Exception):
    """Not a LookupError, so a template naming an action nobody wrote down
    fails loudly instead of quietly hiding a button."""


class Allowed:
    """`{% if may.answer_prompts %}`: templates ask the policy, the views enforce it again."""

    def __init__(self, user):
        self._user = user

    def __getitem__(self, action: str) -> bool:
        if action not in POLICY:
            raise UnknownAction(action)
        return may(self._user, action)


def roles(request):
    return {"may": Allowed(request.user)}


def idle_timeout(request):
    return {"idle_minutes": settings.IDLE_TIMEOUT_MINUTES}
