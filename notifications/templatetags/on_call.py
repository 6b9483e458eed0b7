from django import template

from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/_on_call.html", takes_context=True)
def on_call_line(context):
    """Who is on call for the ward this page is about: the patient's ward, the
    board's ward, or every ward of an all-wards board."""
    patient = context.get("patient")
    ward = patient.ward if patient is not None and hasattr(patient, "ward") else context.get("ward")
    if ward is not None and hasattr(ward, "tzinfo"):
        wards = [ward]
    elif _url_name(context) == "board":
        wards = list(context.get("wards") or [])
    else:
        wards = []
    return {
        "on_call": selectors.on_call_now(wards) if wards else [],
        "request": context.get("request"),
    }


def _url_name(context) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return match.url_name if match else ""
