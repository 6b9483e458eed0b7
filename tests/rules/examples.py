"""The public examples of spec/grade-command.md as JSON cases, shared by the
pure case tests and the `manage.py grade` tests."""

import copy
from datetime import UTC, datetime, timedelta

AT = "2026-03-02T08:00:00Z"
T = datetime(2026, 3, 2, 8, tzinfo=UTC)

SPEC_INPUT = {
    "at": AT,
    "protocol": "A",
    "patient": {"age_years": 54, "weight_kg": 80.0},
    "infusion_at": "2026-02-28T10:00:00Z",
    "vitals": [
        {
            "at": "2026-03-02T07:45:00Z",
            "temperature_c": 38.6,
            "heart_rate": 118,
            "systolic": 86,
            "diastolic": 48,
            "respiratory_rate": 24,
            "spo2": 94,
            "oxygen": {"device": "nasal_cannula", "flow_l_min": 3},
            "vasopressors": [],
        }
    ],
    "neuro": [
        {
            "at": "2026-03-02T07:50:00Z",
            "tool": "ICE",
            "score": 9,
            "consciousness": "alert",
            "seizure": "none",
            "motor_weakness": False,
            "cerebral_edema": "none",
        }
    ],
    "medications": [{"at": "2026-03-01T22:00:00Z", "drug": "acetaminophen", "dose_mg": 1000}],
    "labs": [{"at": "2026-03-02T06:00:00Z", "test": "anc", "value": 800}],
}


def case(*, vitals=None, neuro=None, medications=None, age=54, weight=80.0, protocol="A"):
    """A case at 08:00 on 2 March 2026 for a patient infused two days before."""
    patient = {"age_years": age}
    if weight is not None:
        patient["weight_kg"] = weight
    return {
        "at": AT,
        "protocol": protocol,
        "patient": patient,
        "infusion_at": "2026-02-28T08:00:00Z",
        "vitals": vitals or [],
        "neuro": neuro or [],
        "medications": medications or [],
    }


def one_vitals(temperature, device="room_air", flow=None, pressors=(), systolic=120):
    oxygen = {"device": device}
    if flow is not None:
        oxygen["flow_l_min"] = flow
    return [
        {
            "at": "2026-03-02T07:45:00Z",
            "temperature_c": temperature,
            "systolic": systolic,
            "diastolic": min(70, systolic - 20),
            "oxygen": oxygen,
            "vasopressors": list(pressors),
        }
    ]


def toci_hours_before(*hours):
    """Tocilizumab 640 mg the given hours before 2 March 08:00."""
    return [
        {
            "at": (T - timedelta(hours=h)).isoformat().replace("+00:00", "Z"),
            "drug": "tocilizumab",
            "dose_mg": 640,
        }
        for h in hours
    ]


# (id, case, check) where check(result_json) asserts the expected outcome.
EXAMPLES = [
    (
        "38.0-room-air-crs-1",
        case(vitals=one_vitals(38.0)),
        lambda r: r["crs"]["grade"] == 1,
    ),
    (
        "37.9-sbp-80-crs-0-evaluate-other-causes",
        case(vitals=one_vitals(37.9, systolic=80)),
        lambda r: (
            r["crs"]["grade"] == 0 and "evaluate_other_causes" in {p["code"] for p in r["prompts"]}
        ),
    ),
    (
        "39-nasal-6-crs-2",
        case(vitals=one_vitals(39.0, "nasal_cannula", 6)),
        lambda r: r["crs"]["grade"] == 2,
    ),
    (
        "39-nasal-7-crs-3",
        case(vitals=one_vitals(39.0, "nasal_cannula", 7)),
        lambda r: r["crs"]["grade"] == 3,
    ),
    (
        "38.5-norepinephrine-vasopressin-crs-3",
        case(vitals=one_vitals(38.5, pressors=("norepinephrine", "vasopressin"))),
        lambda r: r["crs"]["grade"] == 3,
    ),
    (
        "38.5-norepinephrine-phenylephrine-crs-4",
        case(vitals=one_vitals(38.5, pressors=("norepinephrine", "phenylephrine"))),
        lambda r: r["crs"]["grade"] == 4,
    ),
    (
        "38.2-bipap-crs-4",
        case(vitals=one_vitals(38.2, "bipap")),
        lambda r: r["crs"]["grade"] == 4,
    ),
    (
        "ice-5-alert-icans-2",
        case(
            neuro=[
                {"at": "2026-03-02T07:50:00Z", "tool": "ICE", "score": 5, "consciousness": "alert"}
            ]
        ),
        lambda r: r["icans"]["grade"] == 2,
    ),
    (
        "25kg-child-300mg",
        case(age=7, weight=25),
        lambda r: (r["tocilizumab"]["dose_mg"], r["tocilizumab"]["mg_per_kg"]) == (300, 12),
    ),
    (
        "110kg-adult-800mg-capped",
        case(weight=110),
        lambda r: r["tocilizumab"]["dose_mg"] == 800,
    ),
    (
        "A-four-doses-max-total-only",
        case(medications=toci_hours_before(40, 30, 20, 10)),
        lambda r: (
            r["tocilizumab"]["blocked_because"] == ["max_total"]
            and r["tocilizumab"]["may_give_now"] is False
            and r["tocilizumab"]["next_allowed_at"] is None
        ),
    ),
    (
        "A-dose-5h-ago-min-interval",
        case(medications=toci_hours_before(5)),
        lambda r: (
            r["tocilizumab"]["blocked_because"] == ["min_interval"]
            and r["tocilizumab"]["next_allowed_at"] == "2026-03-02T11:00:00Z"
        ),
    ),
]

SPEC_OUTPUT_CRS = {
    "grade": 2,
    "reasons": [
        "Fever 38.6 °C at 07:45",
        "Hypotension (SBP 86) without vasopressors",
        "Low-flow oxygen: nasal cannula 3 L/min",
    ],
}
SPEC_OUTPUT_TOCILIZUMAB = {
    "dose_mg": 640,
    "mg_per_kg": 8,
    "doses_total": 0,
    "doses_last_24h": 0,
    "last_dose_at": None,
    "next_allowed_at": None,
    "may_give_now": True,
    "blocked_because": [],
    "warnings": [],  # r2: off_label_age under 2 years
}


def spec_input():
    return copy.deepcopy(SPEC_INPUT)
