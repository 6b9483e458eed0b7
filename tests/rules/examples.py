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


def case(
    *,
    vitals=None,
    neuro=None,
    medications=None,
    labs=None,
    events=None,
    age=54,
    weight=80.0,
    protocol="A",
):
    """A case at 08:00 on 2 March 2026 for a patient infused two days before."""
    patient = {"age_years": age}
    if weight is not None:
        patient["weight_kg"] = weight
    obj = {
        "at": AT,
        "protocol": protocol,
        "patient": patient,
        "infusion_at": "2026-02-28T08:00:00Z",
        "vitals": vitals or [],
        "neuro": neuro or [],
        "medications": medications or [],
    }
    # Revision r2 keys only when a case uses them: the r1 cases stay as they were.
    if labs is not None:
        obj["labs"] = labs
    if events is not None:
        obj["events"] = events
    return obj


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


def _codes(result) -> dict[str, str]:
    return {p["code"]: p["severity"] for p in result["prompts"]}


def _lab(test, value, at="2026-03-02T06:00:00Z"):
    return {"at": at, "test": test, "value": value}


# The prompt examples of grade-command.md "Revision r2", and more of the same kind.
R2_PROMPT_EXAMPLES = [
    (
        "fever-anc-400-febrile-neutropenia",
        case(vitals=one_vitals(38.6), labs=[_lab("anc", 400)]),
        lambda r: _codes(r).get("febrile_neutropenia") == "critical",
    ),
    (
        "fever-anc-999-febrile-neutropenia-high",
        case(vitals=one_vitals(38.6), labs=[_lab("anc", 999)]),
        lambda r: _codes(r).get("febrile_neutropenia") == "high",
    ),
    (
        "fever-anc-1000-no-febrile-neutropenia",
        case(vitals=one_vitals(38.6), labs=[_lab("anc", 1000)]),
        lambda r: "febrile_neutropenia" not in _codes(r),
    ),
    (
        "ferritin-15000-fibrinogen-120-iec-hs",
        case(labs=[_lab("ferritin", 15_000), _lab("fibrinogen", 120)]),
        lambda r: _codes(r).get("iec_hs_consider") == "high",
    ),
    (
        "ferritin-15000-fibrinogen-150-no-iec-hs",
        case(labs=[_lab("ferritin", 15_000), _lab("fibrinogen", 150)]),
        lambda r: "iec_hs_consider" not in _codes(r),
    ),
    (
        "workup-closed-by-culture-and-antibacterial",
        case(
            vitals=one_vitals(38.6),
            events=[{"at": "2026-03-02T07:50:00Z", "kind": "blood_culture"}],
            medications=[
                {"at": "2026-03-02T07:55:00Z", "drug": "cefiderocol", "class": "antibacterial"}
            ],
        ),
        lambda r: "infection_workup" not in _codes(r),
    ),
    (
        "B-repeat-without-culture-on-hold-info",
        case(
            vitals=one_vitals(38.6, "nasal_cannula", 3),
            medications=toci_hours_before(10),
            protocol="B",
        ),
        lambda r: (
            _codes(r).get("tocilizumab_repeat_on_hold") == "info"
            and "tocilizumab_indicated" not in _codes(r)
            and r["tocilizumab"]["may_give_now"] is True
            and r["prompts"][-1]["code"] == "tocilizumab_repeat_on_hold"
        ),
    ),
    (
        "B-repeat-with-culture-indicated",
        case(
            vitals=one_vitals(38.6, "nasal_cannula", 3),
            medications=toci_hours_before(10),
            events=[{"at": "2026-03-02T07:00:00Z", "kind": "blood_culture"}],
            protocol="B",
        ),
        lambda r: "tocilizumab_indicated" in _codes(r),
    ),
    (
        "ice-5-icans-management-with-dose",
        case(neuro=[{"at": "2026-03-02T07:50:00Z", "tool": "ICE", "score": 5}]),
        lambda r: (
            "dexamethasone 10 mg IV"
            in next(p["text"] for p in r["prompts"] if p["code"] == "icans_management")
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


def at_hours(hours: float) -> str:
    """The time `hours` after 2 March 08:00 (negative: before), as the spec writes it."""
    return (T + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def _infused(obj: dict, hours: float) -> dict:
    return {**obj, "infusion_at": at_hours(hours)}


def _quiet_hours(start: int, end: int) -> list[dict]:
    return [
        {
            "at": at_hours(h),
            "temperature_c": 37.0,
            "systolic": 120,
            "diastolic": 70,
            "oxygen": {"device": "room_air"},
            "vasopressors": [],
        }
        for h in range(start, end + 1, 4)
    ]


# The examples of spec/grade-command.md "Revision r2" that concern the CRS
# course, carried-over support, acuity and NEWS2.
R2_EXAMPLES = [
    (
        "r2-exemption-while-active-crs-3",
        case(
            vitals=[
                {"at": at_hours(-30), "temperature_c": 39.0, "systolic": 118, "diastolic": 70},
                {
                    "at": at_hours(0),
                    "temperature_c": 37.2,
                    "systolic": 95,
                    "diastolic": 55,
                    "vasopressors": ["norepinephrine"],
                },
            ],
            medications=[{"at": at_hours(-29), "drug": "acetaminophen", "dose_mg": 1000}],
        ),
        lambda r: r["crs"]["grade"] == 3 and r["crs"]["status"] == "active",
    ),
    (
        "r2-resolved-then-afebrile-shock-crs-0-acuity-3",
        _infused(
            case(
                vitals=[
                    {"at": at_hours(-80), "temperature_c": 39.0, "systolic": 118, "diastolic": 70},
                    *_quiet_hours(-72, -1),
                    {
                        "at": at_hours(0),
                        "temperature_c": 37.2,
                        "systolic": 95,
                        "diastolic": 55,
                        "vasopressors": ["norepinephrine"],
                    },
                ],
                medications=[{"at": at_hours(-79), "drug": "acetaminophen", "dose_mg": 1000}],
            ),
            -96,
        ),
        lambda r: (
            r["crs"]["grade"] == 0
            and r["crs"]["status"] == "resolved"
            and r["crs"]["resolved_at"] == at_hours(-72)
            and r["acuity"]["level"] == 3
            and _codes(r).get("evaluate_other_causes") == "critical"
        ),
    ),
    (
        "r2-norepinephrine-bipap-no-crs-acuity-4",
        case(
            vitals=[
                {
                    "at": at_hours(-0.25),
                    "temperature_c": 37.2,
                    "systolic": 100,
                    "diastolic": 60,
                    "oxygen": {"device": "bipap"},
                    "vasopressors": ["norepinephrine"],
                }
            ]
        ),
        lambda r: (
            r["crs"]["grade"] == 0 and r["crs"]["status"] == "none" and r["acuity"]["level"] == 4
        ),
    ),
    (
        "r2-temperature-only-set-keeps-the-vasopressor-crs-3",
        case(
            vitals=[
                {
                    "at": at_hours(-1),
                    "temperature_c": 38.6,
                    "systolic": 92,
                    "diastolic": 50,
                    "vasopressors": ["norepinephrine"],
                },
                {"at": at_hours(-0.25), "temperature_c": 38.4},
            ]
        ),
        lambda r: r["crs"]["grade"] == 3,
    ),
    (
        "r2-news2-11-high-emergency",
        case(
            vitals=[
                {
                    "at": at_hours(-0.25),
                    "temperature_c": 38.4,
                    "heart_rate": 125,
                    "systolic": 95,
                    "diastolic": 60,
                    "respiratory_rate": 26,
                    "spo2": 91,
                    "oxygen": {"device": "room_air"},
                    "vasopressors": [],
                }
            ],
            neuro=[{"at": at_hours(-0.2), "tool": "ICE", "score": 10, "consciousness": "alert"}],
        ),
        lambda r: (
            r["news2"]["score"] == 11
            and r["news2"]["band"] == "high"
            and r["news2"]["complete"] is True
            and "news2_emergency" in _codes(r)
        ),
    ),
]

EXAMPLES += R2_EXAMPLES
