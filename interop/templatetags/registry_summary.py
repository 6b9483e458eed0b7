"""`{% registry_summary episode %}`: the registry figures of an episode on the
patient page, computed by interop.registry (the page's view stays grading's)."""

from django import template

from interop.registry import episode_summary

register = template.Library()


@register.inclusion_tag("interop/_registry_summary.html", takes_context=True)
def registry_summary(context, episode):
    return {
        "summary": episode_summary(episode) if episode else None,
        "may": context.get("may"),
    }
