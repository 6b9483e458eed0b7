from django import template

register = template.Library()

# ASTCT grades in words, so colour is never the only signal.
GRADE_WORDS = {0: "none", 1: "mild", 2: "moderate", 3: "severe", 4: "life-threatening"}


# Clinical-rules.md section 9: a patient with acuity >= 2 is never shown green.
UNWELL_FROM_ACUITY = 2


@register.inclusion_tag("grading/_grade.html")
def grade_badge(kind: str, grade: int | None, maximum: int | None = None, acuity=None):
    """A grade 0 beside an acuity of 2 or more (shock or respiratory failure
    without fever, a high NEWS2) is drawn neutral, never the calm green, and
    says why."""
    unwell_zero = grade == 0 and acuity is not None and acuity >= UNWELL_FROM_ACUITY
    return {
        "kind": kind,
        "grade": grade,
        "css": "0-unwell" if unwell_zero else grade,
        "words": _unwell_zero_words(kind, acuity)
        if unwell_zero
        else GRADE_WORDS.get(grade, "not graded yet"),
        "maximum": maximum,
    }


def _unwell_zero_words(kind: str, acuity: int) -> str:
    # CRS 0 in shock without fever is "not CRS", which is the point; ICANS 0
    # beside a high acuity only needs to say the patient is not calm.
    return f"not CRS: see acuity {acuity}" if kind == "CRS" else f"none · acuity {acuity}"


@register.filter
def news2_band(band: str) -> str:
    """RCP NEWS2 2017 names its bands low, low-medium, medium and high."""
    return band.replace("_", "-")


@register.filter
def words(code: str) -> str:
    """A rule's code as words: "refractory_hypotension" -> "refractory hypotension"."""
    return code.replace("_", " ")
