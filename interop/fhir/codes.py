"""The codes the FHIR API speaks: LOINC and UCUM where they exist, and the
app's own code systems, stable URLs under CODE_BASE, where they do not.

CODE_BASE is a name, not a page: it identifies our code systems and never
changes (docs/fhir.md lists every code).
"""

from clinical import labs as lab_catalogue
from clinical import vocabulary

FHIR_VERSION = "4.3.0"  # R4B, R4's technical correction
CODE_BASE = "https://crs-monitor.example/fhir"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

# The app's own code systems.
GRADES = f"{CODE_BASE}/CodeSystem/grades"  # crs-grade, icans-grade (ASTCT 2019)
OBSERVATIONS = f"{CODE_BASE}/CodeSystem/observations"  # oxygen-support, vasopressors-running
OXYGEN_DEVICE = f"{CODE_BASE}/CodeSystem/oxygen-device"  # clinical.vocabulary.OXYGEN_DEVICES
DRUG = f"{CODE_BASE}/CodeSystem/drug"  # clinical.vocabulary.DRUGS and VASOPRESSORS
LAB = f"{CODE_BASE}/CodeSystem/lab"  # clinical.labs catalogue codes
MRN = f"{CODE_BASE}/identifier/mrn"
PRODUCT = f"{CODE_BASE}/CodeSystem/car-t-product"


def identifier_system(resource_type: str) -> str:
    """Our resources' identifiers: system + id, stable for the row's life."""
    return f"{CODE_BASE}/identifier/{resource_type.lower()}"


VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"

# One vital sign of a vitals set: (slug, field, codings, UCUM unit, profile).
VITALS = (
    (
        "temperature",
        "temperature_c",
        ((LOINC, "8310-5", "Body temperature"),),
        "Cel",
        "bodytemp",
    ),
    ("heart-rate", "heart_rate", ((LOINC, "8867-4", "Heart rate"),), "/min", "heartrate"),
    (
        "respiratory-rate",
        "respiratory_rate",
        ((LOINC, "9279-1", "Respiratory rate"),),
        "/min",
        "resprate",
    ),
    (
        "spo2",
        "spo2",
        (
            (LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
            (LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ),
        "%",
        "oxygensat",
    ),
)
BP_PANEL = (LOINC, "85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = (LOINC, "8480-6", "Systolic blood pressure")
DIASTOLIC = (LOINC, "8462-4", "Diastolic blood pressure")
MEAN_BP = (LOINC, "8478-0", "Mean blood pressure")
O2_FLOW = (LOINC, "3151-8", "Inhaled oxygen flow rate")
OXYGEN_SUPPORT = (OBSERVATIONS, "oxygen-support", "Oxygen support (device and flow)")
VASOPRESSORS_RUNNING = (OBSERVATIONS, "vasopressors-running", "Vasopressors running")
CRS_GRADE = (GRADES, "crs-grade", "CRS grade (ASTCT 2019)")
ICANS_GRADE = (GRADES, "icans-grade", "ICANS grade (ASTCT 2019)")
NEWS2 = (LOINC, "1104051-8", "NEWS2 total score")

# Observation "kinds" a search selects by category and code, in the order a
# vitals set lists them. Each: slug -> (category, codings).
VITAL_KINDS = {slug: ("vital-signs", codings) for slug, _, codings, _, _ in VITALS}
VITAL_KINDS["bp"] = ("vital-signs", (BP_PANEL,))
VITAL_KINDS["oxygen"] = ("vital-signs", (OXYGEN_SUPPORT,))
VITAL_KINDS["vasopressors"] = ("vital-signs", (VASOPRESSORS_RUNNING,))
SCORE_KINDS = {
    "crs": ("survey", (CRS_GRADE,)),
    "icans": ("survey", (ICANS_GRADE,)),
    "news2": ("survey", (NEWS2,)),
}
CATEGORY_WORDS = {
    "vital-signs": "Vital Signs",
    "laboratory": "Laboratory",
    "survey": "Survey",
}

# SNOMED CT routes of administration.
ROUTES = {
    "iv": ("47625008", "Intravenous route"),
    "oral": ("26643006", "Oral route"),
    "sc": ("34206005", "Subcutaneous route"),
    "im": ("78421000", "Intramuscular route"),
}
ROUTE_BY_SNOMED = {code: route for route, (code, _) in ROUTES.items()}

DRUG_NAMES = dict(vocabulary.DRUGS)
VASOPRESSOR_NAMES = dict(vocabulary.VASOPRESSORS)
DEVICE_NAMES = dict(vocabulary.OXYGEN_DEVICES)
LAB_BY_LOINC = {lab.loinc: lab for lab in lab_catalogue.CATALOGUE if lab.loinc}

GENDERS = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def coding(system: str, code: str, display: str | None = None) -> dict:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: tuple, text: str | None = None) -> dict:
    found = {"coding": [coding(*c) for c in codings]}
    if text:
        found["text"] = text
    return found


def quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}
