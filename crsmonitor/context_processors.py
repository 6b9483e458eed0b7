from django.conf import settings

from .roles import NURSE, PHARMACIST, PHYSICIAN, has_role


def roles(request):
    """What the navigation may offer this user; the views enforce it again."""
    user = request.user
    return {
        "is_nurse": has_role(user, NURSE),
        "is_physician": has_role(user, PHYSICIAN),
        "is_pharmacist": has_role(user, PHARMACIST),
    }


def idle_timeout(request):
    return {"idle_minutes": settings.IDLE_TIMEOUT_MINUTES}
