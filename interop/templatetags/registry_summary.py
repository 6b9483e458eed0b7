"""`{% registry_summary episode chart %}`: the registry figures of an episode
on the patient page, computed by interop.registry from the course chart the
page's view (grading's) has already read."""

from django import template

from interop.registry import episode_summary
from interop.registry_csv import number

register = template.Library()


@register.inclusion_tag("interop/_registry_summary.html", takes_context=True)
def registry_summary(context, episode, chart=None):
    return {
        "summary": episode_summary(episode, chart=chart) if episode else None,
        "may": context.get("may"),
    }


@register.filter
def figure(value) -> str:
    """A figure as the CSV writes it: 207.5, 640, 218.75 (no trailing zeros)."""
    return number(value)
