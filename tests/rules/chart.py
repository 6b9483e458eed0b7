"""Small builders for rule tests: a chart at T = 2 March 2026 08:00 UTC, an
adult of 80 kg infused two days before."""

from datetime import UTC, datetime, timedelta

from grading.rules import (
    EventEntry,
    LabEntry,
    MedicationEntry,
    NeuroEntry,
    Oxygen,
    Snapshot,
    VitalsEntry,
    WardSettings,
)

T = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
INFUSION = T - timedelta(days=2)


def ago(hours: float = 0, minutes: float = 0) -> datetime:
    return T - timedelta(hours=hours, minutes=minutes)


def vitals(
    minutes_ago: float = 15,
    *,
    temp=37.0,
    sbp=None,
    dbp=None,
    mean=None,
    spo2=None,
    device="room_air",
    flow=None,
    pressors=(),
    at=None,
    ref=None,
) -> VitalsEntry:
    return VitalsEntry(
        at=at or ago(minutes=minutes_ago),
        temperature_c=temp,
        systolic=sbp,
        diastolic=dbp,
        mean_arterial=mean,
        spo2=spo2,
        oxygen=None if device is None else Oxygen(device, flow),
        vasopressors=None if pressors is None else tuple(pressors),
        ref=ref,
    )


def neuro(
    score=10,
    *,
    tool="ICE",
    consciousness="alert",
    seizure="none",
    motor=False,
    edema="none",
    excluded=(),
    minutes_ago=10,
    ref=None,
) -> NeuroEntry:
    return NeuroEntry(
        at=ago(minutes=minutes_ago),
        tool=tool,
        score=score,
        consciousness=consciousness,
        seizure=seizure,
        motor_weakness=motor,
        cerebral_edema=edema,
        excluded=frozenset(excluded),
        ref=ref,
    )


def drug(name: str, hours_ago: float, dose_mg: float | None = None, ref=None) -> MedicationEntry:
    return MedicationEntry(at=ago(hours=hours_ago), drug=name, dose_mg=dose_mg, ref=ref)


def lab(test: str, value: float, hours_ago: float = 1, uln=None) -> LabEntry:
    return LabEntry(at=ago(hours=hours_ago), test=test, value=value, uln=uln)


def event(kind: str, hours_ago: float = 1) -> EventEntry:
    return EventEntry(at=ago(hours=hours_ago), kind=kind)


def snapshot(
    *entries,
    age=54,
    weight=80.0,
    weight_at=None,
    protocol="A",
    infusion=INFUSION,
    at=T,
    settings=None,
) -> Snapshot:
    """A snapshot holding the given entries, sorted into their kinds."""
    kinds = {VitalsEntry: [], NeuroEntry: [], MedicationEntry: [], LabEntry: [], EventEntry: []}
    for entry in entries:
        kinds[type(entry)].append(entry)
    return Snapshot(
        at=at,
        age_years=age,
        weight_kg=weight,
        weight_at=weight_at,
        infusion_at=infusion,
        protocol=protocol,
        vitals=tuple(kinds[VitalsEntry]),
        neuro=tuple(kinds[NeuroEntry]),
        medications=tuple(kinds[MedicationEntry]),
        labs=tuple(kinds[LabEntry]),
        events=tuple(kinds[EventEntry]),
        settings=settings or WardSettings(),
    )


def toci(*hours_ago: float, dose_mg: float = 640) -> tuple[MedicationEntry, ...]:
    return tuple(drug("tocilizumab", h, dose_mg) for h in hours_ago)
