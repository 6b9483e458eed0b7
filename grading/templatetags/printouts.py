from django import template

register = template.Library()

URGENT = ("critical", "high")


@register.filter
def urgent(prompts) -> list:
    """The critical and high prompts: the ones a line block names."""
    return [prompt for prompt in prompts if prompt.severity in URGENT]


@register.filter
def less_urgent(prompts) -> list:
    return [prompt for prompt in prompts if prompt.severity not in URGENT]
