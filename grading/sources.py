"""How the app names its sources to a clinician (clinical-rules.md section 12):
by names a clinician can look up, never by file names."""

from .rules import PROTOCOLS
from .rules.protocols import ASCO_2021, ASTCT_2019, NCCN_2026, RCP_NEWS2, TOCILIZUMAB_LABEL

# What applies under every protocol, with its source, for the protocol page
# and the documentation.
COMMON_SOURCES = (
    ("CRS and ICANS grades", ASTCT_2019),
    ("tocilizumab dose by weight, 800 mg cap, 8 h interval", TOCILIZUMAB_LABEL),
    ("ICANS management floor", f"{ASCO_2021}; {NCCN_2026}"),
    ("early warning score", RCP_NEWS2),
)

REVIEW_BEFORE_USE = (
    "A built-in protocol is a starting point, not an order set: it must be reviewed by the"
    " unit before use."
)


def protocol_origin(code: str) -> str:
    """Where a built-in protocol comes from, in the words of section 12
    ("Protocol A source: guideline summary on ...")."""
    return PROTOCOLS[code].cite
