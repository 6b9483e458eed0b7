from django import template

from grading import sources
from grading.rules import NO_PAEDIATRIC_DOSE

register = template.Library()


@register.filter
def protocol_origin(code: str) -> str:
    return sources.protocol_origin(code)


@register.filter
def sources_of(actions) -> str:
    """The distinct sources of a list of protocol actions."""
    return "; ".join(dict.fromkeys(action.source for action in actions))


@register.simple_tag
def common_sources() -> tuple[tuple[str, str], ...]:
    return sources.COMMON_SOURCES


@register.simple_tag
def review_before_use() -> str:
    return sources.REVIEW_BEFORE_USE


@register.simple_tag
def no_paediatric_dose() -> str:
    return NO_PAEDIATRIC_DOSE
