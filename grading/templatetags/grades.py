from django import template

register = template.Library()

# ASTCT grades in words, so colour is never the only signal.
GRADE_WORDS = {0: "none", 1: "mild", 2: "moderate", 3: "severe", 4: "life-threatening"}


@register.inclusion_tag("grading/_grade.html")
def grade_badge(kind: str, grade: int | None, maximum: int | None = None):
    return {
        "kind": kind,
        "grade": grade,
        "words": GRADE_WORDS.get(grade, "not graded yet"),
        "maximum": maximum,
    }


@register.filter
def news2_band(band: str) -> str:
    """RCP NEWS2 2017 names its bands low, low-medium, medium and high."""
    return band.replace("_", "-")


@register.filter
def words(code: str) -> str:
    """A rule's code as words: "refractory_hypotension" -> "refractory hypotension"."""
    return code.replace("_", " ")
