from django import template

from grading import sources

register = template.Library()


@register.filter
def cited(text: str) -> str:
    """Sources named as a clinician can look them up (clinical-rules.md section 12)."""
    return sources.cited(text)
