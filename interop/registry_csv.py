"""The registry CSV: one row per episode, the columns documented here (and
shown on the export page and in the README from this same table)."""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from .registry import EpisodeSummary


def local(summary: EpisodeSummary, at: datetime | None) -> str:
    """ISO 8601 in the ward's clock with its UTC offset: 2026-03-02T14:05+00:00."""
    return "" if at is None else at.astimezone(summary.tz).isoformat(timespec="minutes")


def number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def text(value: str) -> str:
    """Free text a spreadsheet must not run as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


@dataclass(frozen=True)
class Column:
    name: str
    means: str
    value: Callable[[EpisodeSummary], str]


def _course_columns(kind: str) -> list[Column]:
    label = kind.upper()

    def course(s: EpisodeSummary):
        return getattr(s, kind)

    return [
        Column(
            f"{kind}_status",
            f"{label}: none, ongoing (at the summary time) or resolved",
            lambda s: course(s).status,
        ),
        Column(
            f"{kind}_onset_at",
            f"{label} onset (first one)",
            lambda s: local(s, course(s).onset_at),
        ),
        Column(
            f"{kind}_onset_day",
            f"{label} onset day after infusion (day 0 = infusion day)",
            lambda s: number(course(s).onset_day),
        ),
        Column(
            f"{kind}_max_grade",
            f"{label} maximum ASTCT grade (0-4) of the stored assessments",
            lambda s: number(course(s).max_grade),
        ),
        Column(
            f"{kind}_max_grade_at",
            f"When the {label} maximum grade was first assessed",
            lambda s: local(s, course(s).max_grade_at),
        ),
        Column(
            f"{kind}_max_grade_day",
            "Its day after infusion",
            lambda s: number(course(s).max_grade_day),
        ),
        Column(
            f"{kind}_resolved_at",
            f"{label} resolution (the last one's); empty while ongoing",
            lambda s: local(s, course(s).resolved_at),
        ),
        Column(
            f"{kind}_duration_days",
            f"{label} duration in days, summed over its spells (ongoing: up to the summary time)",
            lambda s: number(course(s).duration_days),
        ),
        Column(
            f"{kind}_spells",
            f"How many separate {label} spells (a new onset after a resolution)",
            lambda s: number(course(s).spells),
        ),
    ]


COLUMNS: list[Column] = [
    Column("episode_id", "CRS Monitor episode number", lambda s: str(s.episode.pk)),
    Column("mrn", "Hospital MRN", lambda s: text(s.episode.patient.mrn)),
    Column("ward", "Ward", lambda s: text(s.episode.patient.ward.name)),
    Column("product", "CAR-T product code (e.g. axi-cel)", lambda s: s.episode.product),
    Column("infusion_at", "Infusion time", lambda s: local(s, s.episode.infusion_at)),
    Column("infusion_date", "Infusion date (ward's zone)", lambda s: s.infusion_date.isoformat()),
    Column(
        "discharged_at",
        "Discharge; empty while admitted",
        lambda s: local(s, s.episode.discharged_at),
    ),
    Column("summary_at", "Figures as of (now, or the discharge)", lambda s: local(s, s.as_of)),
    *_course_columns("crs"),
    *_course_columns("icans"),
    Column(
        "tocilizumab_doses", "Tocilizumab doses given", lambda s: number(s.drugs.tocilizumab_doses)
    ),
    Column(
        "tocilizumab_dates",
        "Tocilizumab dose times, separated by ';'",
        lambda s: ";".join(local(s, at) for at in s.drugs.tocilizumab_at),
    ),
    Column(
        "tocilizumab_total_mg", "Tocilizumab total mg", lambda s: number(s.drugs.tocilizumab_mg)
    ),
    Column(
        "steroid_dexamethasone_mg",
        "Glucocorticoids in dexamethasone-equivalent mg (BNF equivalence)",
        lambda s: number(s.drugs.steroid_dexamethasone_mg),
    ),
    Column(
        "steroid_days",
        "Calendar days (ward's zone) with a glucocorticoid dose",
        lambda s: number(s.drugs.steroid_days),
    ),
    Column(
        "vasopressors",
        "Any vasopressor charted running: yes/no",
        lambda s: yes_no(s.vasopressors.any),
    ),
    Column(
        "vasopressors_max_at_once",
        "Most vasopressors charted running in one vitals set",
        lambda s: number(s.vasopressors.max_at_once),
    ),
    Column(
        "vasopressor_first_at",
        "First vitals set with a vasopressor running",
        lambda s: local(s, s.vasopressors.first_at),
    ),
    Column(
        "vasopressor_last_at",
        "Last vitals set with a vasopressor running",
        lambda s: local(s, s.vasopressors.last_at),
    ),
    Column(
        "icu_transfer", "ICU transfer charted: yes/no", lambda s: yes_no(bool(s.icu_transfer_at))
    ),
    Column("icu_transfer_at", "First ICU transfer charted", lambda s: local(s, s.icu_transfer_at)),
    Column("fever_onset_at", "Fever of the first CRS onset", lambda s: local(s, s.workup.fever_at)),
    Column(
        "fever_to_blood_culture_min",
        "Minutes from that fever to the first blood culture (negative: drawn before it)",
        lambda s: number(s.workup.fever_to_blood_culture_min),
    ),
    Column(
        "fever_to_antibiotic_min",
        "Minutes from that fever to the first antibacterial (0: already running)",
        lambda s: number(s.workup.fever_to_antibiotic_min),
    ),
]


def registry_csv(summaries: Iterable[EpisodeSummary]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in COLUMNS])
    for summary in summaries:
        writer.writerow([c.value(summary) for c in COLUMNS])
    return out.getvalue()
