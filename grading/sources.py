"""How the app names its sources to a clinician (clinical-rules.md section 12):
by names a clinician can look up, never by file names."""

from .rules import PROTOCOLS

ASTCT = "ASTCT 2019 (Lee et al.)"
LABEL = "Tocilizumab US label"
ASCO = "ASCO 2021 (Santomasso et al.)"
NCCN = "NCCN CAR-T toxicities 2026"
NEWS2 = "RCP NEWS2 2017"

# Where each built-in protocol comes from, in the words of section 12. A new
# protocol needs its entry here (a test checks every protocol has one).
PROTOCOL_ORIGINS = {
    "A": "Protocol A source: guideline summary on severe CRS and sepsis (2025)",
    "B": "Protocol B source: guideline summary on CRS diagnosis and management (2025)",
}

# What applies under every protocol, with its source, for the protocol page,
# the printouts and the documentation.
COMMON_SOURCES = (
    ("CRS and ICANS grades", ASTCT),
    ("tocilizumab dose by weight, 800 mg cap, 8 h interval", LABEL),
    ("ICANS management floor", f"{ASCO}; {NCCN}"),
    ("early warning score", NEWS2),
)

REVIEW_BEFORE_USE = (
    "A built-in protocol is a starting point, not an order set: it must be reviewed by the"
    " unit before use."
)


def protocol_origin(code: str) -> str:
    return PROTOCOL_ORIGINS[code]


def cited(source: str) -> str:
    """A rule's source with a protocol's short citation ("seed 000, Grade 3
    CRS") named as a clinician can look it up ("Protocol A source, Grade 3 CRS")."""
    for code, protocol in PROTOCOLS.items():
        source = source.replace(protocol.cite, f"Protocol {code} source")
    return source
