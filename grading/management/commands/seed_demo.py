"""Seed a demo CAR-T unit: wards, one account per role, fourteen patients over
a week, written through the real chart services and regraded by the real
rules. No grade here is typed by hand: the trajectories are clinical data.

Idempotent: a second run finds the demo wards and changes nothing.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from grading.dose_services import LIMITED_DRUGS, dose_record, stock_record
from grading.receivers import regrade_on_save_paused
from grading.services import regrade
from patients import services
from patients.models import ICE_FIELDS, Episode, Patient, Ward

DEMO_ACCOUNTS = [
    # username, password, group, first name, last name
    ("nurse", "demo-nurse-2026", "nurse", "Nina", "Okafor"),
    ("physician", "demo-physician-2026", "physician", "Paul", "Lindqvist"),
    # The on-call rota (notifications): second call and the unit lead.
    ("physician2", "demo-physician2-2026", "physician", "Sara", "Mensah"),
    ("lead", "demo-lead-2026", "physician", "Ines", "Moreau"),
    ("pharmacist", "demo-pharmacist-2026", "pharmacist", "Farah", "Haddad"),
]
# Where the demo's alert emails go (a local SMTP catcher, if one is configured).
DEMO_EMAIL_DOMAIN = "demo.crs-monitor.example"
DEMO_ADMIN = ("admin", "demo-admin-2026")

ADULT_WARD = "Haematology CAR-T Unit"
CHILD_WARD = "Children's CAR-T Unit"


@dataclass
class Phase:
    """From `start` hours after infusion until the next phase, the patient looks like this."""

    start: float
    temp: float = 36.8
    sbp: int = 122
    dbp: int = 74
    hr: int = 82
    rr: int = 16
    spo2: int = 97
    device: str = "room_air"
    flow: float | None = None
    pressors: tuple[str, ...] = ()
    ice: int | None = 10  # adults: ICE score; children use capd instead
    capd: int | None = None
    consciousness: str = "alert"


@dataclass
class Story:
    mrn: str
    family: str
    given: str
    born: date
    sex: str
    ward: str
    bed: str
    product: str
    days_ago: float
    weight: float
    phases: list[Phase]
    # (hours after infusion, drug, dose mg)
    doses: list[tuple[float, str, float]] = field(default_factory=list)
    vitals_every_h: int = 4
    toci_on_site: int = 2
    # (hours after infusion, work-up event): cultures, imaging, consults
    workup: list[tuple[float, str]] = field(default_factory=list)


def _stories() -> list[Story]:
    calm = [Phase(0)]
    return [
        Story(
            "DEMO-1001",
            "Marsh",
            "Helen",
            date(1961, 3, 14),
            "female",
            ADULT_WARD,
            "1",
            "axi-cel",
            4.6,
            68.0,
            calm,
        ),
        Story(
            "DEMO-1002",
            "Adeyemi",
            "Tunde",
            date(1975, 9, 2),
            "male",
            ADULT_WARD,
            "2",
            "liso-cel",
            3.2,
            84.5,
            calm,
        ),
        Story(
            "DEMO-1003",
            "Kowalski",
            "Anna",
            date(1958, 1, 30),
            "female",
            ADULT_WARD,
            "3",
            "ide-cel",
            0.7,
            61.2,
            calm,
        ),
        # Grade 1 for days, tocilizumab on day 3, fever settles.
        Story(
            "DEMO-1004",
            "Brennan",
            "Liam",
            date(1969, 6, 21),
            "male",
            ADULT_WARD,
            "4",
            "tisa-cel",
            4.8,
            77.0,
            [
                Phase(0),
                Phase(26, temp=38.4, hr=104),
                Phase(40, temp=38.9, hr=110),
                Phase(76, temp=37.6, hr=92),
                Phase(84),
            ],
            doses=[(27, "acetaminophen", 1000), (74, "tocilizumab", 616)],
        ),
        # Grade 2 (hypotension, nasal cannula) resolving after one tocilizumab dose.
        Story(
            "DEMO-1005",
            "Nakamura",
            "Emi",
            date(1980, 11, 5),
            "female",
            ADULT_WARD,
            "5",
            "axi-cel",
            4.1,
            58.4,
            [
                Phase(0),
                Phase(18, temp=38.6, hr=112),
                Phase(
                    28, temp=39.1, sbp=86, dbp=50, hr=124, spo2=93, device="nasal_cannula", flow=2
                ),
                Phase(
                    44, temp=37.4, sbp=104, dbp=62, hr=96, spo2=95, device="nasal_cannula", flow=1
                ),
                Phase(60),
            ],
            doses=[(19, "acetaminophen", 1000), (30, "tocilizumab", 467)],
            vitals_every_h=2,
        ),
        # Grade 2 on nasal cannula 4 L/min now, first tocilizumab just given.
        Story(
            "DEMO-1006",
            "Osei",
            "Kwame",
            date(1966, 2, 11),
            "male",
            ADULT_WARD,
            "6",
            "brexu-cel",
            2.4,
            91.0,
            [
                Phase(0),
                Phase(30, temp=38.3, hr=108),
                Phase(48, temp=38.8, hr=118, spo2=91, device="nasal_cannula", flow=4, rr=24),
            ],
            doses=[
                (31, "acetaminophen", 1000),
                (31.4, "cefepime", 2000),
                (52, "tocilizumab", 728),
            ],
            vitals_every_h=2,
            workup=[(30.3, "blood_culture"), (30.5, "urine_culture"), (31.8, "chest_xray")],
        ),
        # Grade 3: norepinephrine running, tocilizumab twice and dexamethasone.
        Story(
            "DEMO-1007",
            "Fischer",
            "Greta",
            date(1957, 8, 19),
            "female",
            ADULT_WARD,
            "7",
            "cilta-cel",
            3.6,
            72.3,
            [
                Phase(0),
                Phase(10, temp=38.5, hr=110),
                Phase(22, temp=39.4, sbp=84, dbp=46, hr=128),
                Phase(
                    30,
                    temp=39.0,
                    sbp=96,
                    dbp=55,
                    hr=118,
                    rr=22,
                    spo2=95,
                    device="nasal_cannula",
                    flow=2,
                    pressors=("norepinephrine",),
                ),
            ],
            doses=[
                (11, "acetaminophen", 1000),
                (12.5, "piperacillin_tazobactam", 4500),
                (23, "tocilizumab", 578),
                (31, "tocilizumab", 578),
                (32, "dexamethasone", 10),
                (38, "dexamethasone", 10),
                (44, "dexamethasone", 10),
                (50, "dexamethasone", 10),
            ],
            vitals_every_h=2,
            workup=[(10.4, "blood_culture"), (22.5, "echocardiogram"), (30.2, "icu_transfer")],
        ),
        # Grade 4: BiPAP, escalating oxygen, methylprednisolone.
        Story(
            "DEMO-1008",
            "Duarte",
            "Rafael",
            date(1964, 4, 3),
            "male",
            ADULT_WARD,
            "8",
            "axi-cel",
            2.9,
            88.0,
            [
                Phase(0),
                Phase(8, temp=38.7, hr=116),
                Phase(20, temp=39.2, spo2=92, rr=26, device="nasal_cannula", flow=4),
                Phase(
                    32,
                    temp=39.0,
                    spo2=90,
                    rr=30,
                    device="high_flow_nasal_cannula",
                    flow=40,
                    sbp=98,
                    dbp=58,
                ),
                Phase(
                    44,
                    temp=38.6,
                    spo2=93,
                    rr=32,
                    device="bipap",
                    flow=15,
                    sbp=102,
                    dbp=60,
                    hr=122,
                    ice=8,
                    consciousness="awakens_spontaneously",
                ),
            ],
            doses=[
                (9, "acetaminophen", 1000),
                (21, "tocilizumab", 704),
                (33, "tocilizumab", 704),
                (34, "dexamethasone", 10),
                (45, "tocilizumab", 704),
                (46, "methylprednisolone", 500),
                (58, "methylprednisolone", 500),
            ],
            vitals_every_h=2,
            toci_on_site=1,  # pharmacy is restocking: the ward sees the warning
        ),
        # ICANS grade 2 on day 4 after mild CRS.
        Story(
            "DEMO-1009",
            "Whitfield",
            "George",
            date(1952, 12, 9),
            "male",
            ADULT_WARD,
            "9",
            "axi-cel",
            4.4,
            79.5,
            [
                Phase(0),
                Phase(20, temp=38.2, hr=101),
                Phase(44, temp=37.2),
                Phase(90, ice=6),
                Phase(100, ice=5, consciousness="awakens_spontaneously"),
            ],
            doses=[(21, "acetaminophen", 1000), (92, "dexamethasone", 10)],
        ),
        # ICANS grade 3: ICE 2, rouses only to voice.
        Story(
            "DEMO-1010",
            "Lindgren",
            "Sofia",
            date(1971, 7, 27),
            "female",
            ADULT_WARD,
            "10",
            "brexu-cel",
            3.9,
            64.0,
            [
                Phase(0),
                Phase(16, temp=38.4),
                Phase(36, temp=37.3),
                Phase(70, ice=7),
                Phase(82, ice=2, consciousness="awakens_to_voice"),
            ],
            doses=[
                (17, "acetaminophen", 1000),
                (72, "dexamethasone", 10),
                (84, "dexamethasone", 10),
                (84.5, "levetiracetam", 500),
            ],
        ),
        # Shock without fever (clinical-rules section 9): a CRS that resolved
        # on day 3, then afebrile on norepinephrine and epinephrine with BiPAP
        # tonight. CRS 0, acuity 4: sepsis until proven otherwise.
        Story(
            "DEMO-1011",
            "Okonkwo",
            "Grace",
            date(1966, 2, 11),
            "female",
            ADULT_WARD,
            "11",
            "cilta-cel",
            6.45,
            71.0,
            [
                Phase(0),
                Phase(20, temp=38.6, hr=112),
                Phase(44, temp=37.1),
                Phase(150, temp=37.3, sbp=84, dbp=46, hr=124, rr=26, spo2=93),
                Phase(
                    152,
                    temp=37.4,
                    sbp=92,
                    dbp=50,
                    hr=126,
                    rr=28,
                    spo2=92,
                    device="bipap",
                    flow=12,
                    pressors=("norepinephrine", "epinephrine"),
                    ice=9,
                ),
            ],
            doses=[(21, "acetaminophen", 1000)],
        ),
        # A CRS that resolved, then a new fever on day 5: a new onset with its
        # own infection work-up (clinical-rules section 8).
        Story(
            "DEMO-1012",
            "Leclerc",
            "Antoine",
            date(1970, 12, 3),
            "male",
            ADULT_WARD,
            "12",
            "axi-cel",
            5.3,
            77.0,
            [
                Phase(0),
                Phase(14, temp=38.7, hr=110),
                Phase(38, temp=37.0),
                Phase(120, temp=38.9, hr=118, sbp=96, dbp=58),
            ],
            doses=[(15, "acetaminophen", 1000), (121, "acetaminophen", 1000)],
        ),
        # A child under 30 kg: tocilizumab 12 mg/kg, CAPD instead of ICE.
        Story(
            "DEMO-2001",
            "Moreau",
            "Lucie",
            date(2019, 5, 16),
            "female",
            CHILD_WARD,
            "C1",
            "tisa-cel",
            3.3,
            24.0,
            [
                Phase(0, sbp=100, dbp=62, hr=104, rr=22, ice=None, capd=2),
                Phase(22, temp=38.6, sbp=98, dbp=60, hr=132, rr=26, ice=None, capd=3),
                Phase(
                    34,
                    temp=38.9,
                    sbp=82,
                    dbp=48,
                    hr=140,
                    rr=30,
                    spo2=94,
                    ice=None,
                    capd=4,
                    device="nasal_cannula",
                    flow=1,
                ),
            ],
            doses=[(23, "acetaminophen", 360), (36, "tocilizumab", 288)],
            vitals_every_h=2,
        ),
        Story(
            "DEMO-2002",
            "Papadopoulos",
            "Nikos",
            date(2010, 10, 1),
            "male",
            CHILD_WARD,
            "C2",
            "tisa-cel",
            1.6,
            47.5,
            [Phase(0, hr=90)],
        ),
    ]


def _neuro_values(phase: Phase) -> dict:
    if phase.capd is not None or phase.ice is None:
        return {"tool": "CAPD", "capd_score": phase.capd, "consciousness": phase.consciousness}
    items = {name: index < phase.ice for index, name in enumerate(ICE_FIELDS)}
    return {"tool": "ICE", "consciousness": phase.consciousness, **items}


def demo_rota(ward: Ward, accounts: dict[str, User], now: datetime) -> None:
    """A week of 12-hour shifts from this morning's 08:00 (ward time): Paul
    first call by day and second call by night, Sara the other way round,
    Ines the unit lead all week."""
    from notifications.models import OnCallShift

    local = timezone.localtime(now, ward.tzinfo)
    start = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if start > local:
        start -= timedelta(days=1)
    paul, sara = accounts["physician"], accounts["physician2"]
    shifts = [
        OnCallShift(
            ward=ward,
            level="unit_lead",
            person=accounts["lead"],
            starts_at=start,
            ends_at=start + timedelta(days=7),
        )
    ]
    for half_day in range(14):
        begins = start + timedelta(hours=12 * half_day)
        first, second = (paul, sara) if half_day % 2 == 0 else (sara, paul)
        for level, person in (("first_call", first), ("second_call", second)):
            shifts.append(
                OnCallShift(
                    ward=ward,
                    level=level,
                    person=person,
                    starts_at=begins,
                    ends_at=begins + timedelta(hours=12),
                )
            )
    OnCallShift.objects.bulk_create(shifts)


class Command(BaseCommand):
    help = "Seed the demo CAR-T wards, demo accounts and fourteen patients (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-demo-accounts",
            action="store_true",
            help="Create the demo accounts even though DEBUG is off (tests only).",
        )

    def handle(self, *args, allow_demo_accounts=False, **options):
        if not (settings.DEBUG or allow_demo_accounts):
            raise CommandError("Demo accounts are for DEBUG runs only; refusing to seed.")
        accounts = self._accounts()
        if Ward.objects.filter(name=ADULT_WARD).exists():
            self.stdout.write("Demo wards already seeded; nothing to add.")
        else:
            self._seed(accounts)
        self.stdout.write("\nDemo accounts (demo seed only):")
        for username, password, group, *_ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {group:<11} {username} / {password}")
        self.stdout.write(f"  {'admin':<11} {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")

    def _accounts(self) -> dict[str, User]:
        users = {}
        for username, password, group, first, last in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
                },
            )
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(Group.objects.get(name=group))
            users[username if group == "physician" else group] = user
        if not User.objects.filter(username=DEMO_ADMIN[0]).exists():
            User.objects.create_superuser(DEMO_ADMIN[0], password=DEMO_ADMIN[1])
        return users

    def _seed(self, accounts: dict[str, User]) -> None:
        wards = {
            ADULT_WARD: Ward.objects.create(name=ADULT_WARD, protocol="A"),
            # One ward reads labs in SI units, as a UK unit would (×10⁹/L, µmol/L).
            CHILD_WARD: Ward.objects.create(name=CHILD_WARD, protocol="B", lab_units="SI"),
        }
        now = timezone.now()
        for ward in wards.values():
            # Pharmacists see every ward through their role; the others are assigned.
            ward.staff.add(
                accounts["nurse"], accounts["physician"], accounts["physician2"], accounts["lead"]
            )
            # Before the patients, so the alerts they raise reach the rota.
            demo_rota(ward, accounts, now)
        rng = random.Random(7)  # the same demo every time
        for story in _stories():
            # The seed replays each story hour by hour, regrading as of each
            # entry's clinical time; the usual regrade-on-save would only
            # repeat the last of those, so it waits until the story is written.
            with regrade_on_save_paused(), transaction.atomic():
                episode = self._chart(story, wards[story.ward], accounts, now, rng)
            regrade(episode, trigger="new_data")
            self.stdout.write(
                f"  {story.ward} bed {story.bed}: {story.family.upper()}, {story.given} "
                f"- {episode.assessments.count()} assessments"
            )

    def _chart(self, story, ward, accounts, now, rng) -> Episode:
        nurse, pharmacist = accounts["nurse"], accounts["pharmacist"]
        patient = Patient.objects.create(
            mrn=story.mrn,
            family_name=story.family,
            given_name=story.given,
            date_of_birth=story.born,
            sex=story.sex,
            ward=ward,
            bed=story.bed,
        )
        infusion = (now - timedelta(days=story.days_ago)).replace(second=0, microsecond=0)
        episode = Episode.objects.create(
            patient=patient,
            product=story.product,
            admitted_at=infusion - timedelta(days=1),
            infusion_at=infusion,
        )
        services.weight_record(
            episode=episode,
            observed_at=infusion - timedelta(hours=20),
            by=nurse,
            weight_kg=Decimal(str(story.weight)),
        )

        hours_so_far = (now - infusion).total_seconds() / 3600
        events: list[tuple[datetime, str, object]] = []
        for hour in range(0, int(hours_so_far) + 1, story.vitals_every_h):
            events.append((infusion + timedelta(hours=hour, minutes=5), "vitals", None))
        for hour in range(0, int(hours_so_far) + 1, 12):
            events.append((infusion + timedelta(hours=hour, minutes=20), "neuro", None))
            events.append((infusion + timedelta(hours=hour, minutes=30), "labs", None))
        for hour, drug, dose in story.doses:
            if hour < hours_so_far:
                events.append((infusion + timedelta(hours=hour), "dose", (drug, dose)))
        for hour, event in story.workup:
            if hour < hours_so_far:
                events.append((infusion + timedelta(hours=hour), "workup", event))
        events.sort(key=lambda event: event[0])

        for at, kind, payload in events:
            hours = (at - infusion).total_seconds() / 3600
            phase = [p for p in story.phases if p.start <= hours][-1]
            if kind == "vitals":
                jitter = rng.uniform(-0.2, 0.2) if phase.temp < 38 else rng.uniform(-0.1, 0.2)
                services.vitals_record(
                    episode=episode,
                    observed_at=at,
                    by=nurse,
                    temperature_c=Decimal(f"{phase.temp + jitter:.1f}"),
                    heart_rate=phase.hr + rng.randint(-4, 4),
                    systolic=phase.sbp + rng.randint(-3, 3),
                    diastolic=phase.dbp + rng.randint(-2, 2),
                    respiratory_rate=phase.rr,
                    spo2=min(100, phase.spo2 + rng.randint(-1, 1)),
                    oxygen_device=phase.device,
                    oxygen_flow_l_min=None if phase.flow is None else Decimal(str(phase.flow)),
                    vasopressors=phase.pressors,
                )
            elif kind == "neuro":
                services.neuro_record(
                    episode=episode, observed_at=at, by=nurse, **_neuro_values(phase)
                )
            elif kind == "labs":
                self._labs(episode, at, nurse, phase, rng)
            elif kind == "workup":
                services.workup_record(episode=episode, observed_at=at, by=nurse, event=payload)
            elif payload[0] in LIMITED_DRUGS:
                # Through the dose limits, as a pharmacist-checked order would be.
                drug, dose = payload
                dose_record(
                    episode=episode,
                    observed_at=at,
                    by=pharmacist,
                    given_by=nurse,
                    drug=drug,
                    dose_mg=Decimal(str(dose)),
                )
            else:
                drug, dose = payload
                services.medication_record(
                    episode=episode,
                    observed_at=at,
                    by=nurse,
                    drug=drug,
                    dose_mg=Decimal(str(dose)),
                )
            if kind not in ("labs", "workup"):
                regrade(episode, at=at, trigger="new_data")
        stock_record(episode=episode, doses_on_site=story.toci_on_site, by=pharmacist)
        return episode

    def _labs(self, episode, at, nurse, phase, rng) -> None:
        inflamed = phase.temp >= 38 or phase.pressors or phase.device != "room_air"
        values = {
            "crp": rng.uniform(80, 220) if inflamed else rng.uniform(3, 25),
            "ferritin": rng.uniform(1500, 6000) if inflamed else rng.uniform(300, 900),
            "anc": rng.uniform(200, 900),
            "platelets": rng.uniform(40000, 120000),
            "alt": rng.uniform(20, 70),
        }
        # Tests of the wider catalogue draw from their own generator, so the
        # demo's other numbers stay what they always were.
        more = random.Random(f"{episode.patient.mrn} {at.isoformat()}")
        values |= {
            "hemoglobin": more.uniform(8.5, 12.5),
            "fibrinogen": more.uniform(120, 260) if inflamed else more.uniform(220, 420),
            "creatinine": more.uniform(0.6, 1.8),
        }
        for test, value in values.items():
            services.lab_record(
                episode=episode, observed_at=at, by=nurse, test=test, value=round(value, 1)
            )
