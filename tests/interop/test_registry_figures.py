"""The registry's figures from plain rows: onset day, maximum grade and its
date, resolution, duration, steroid exposure, vasopressors, the work-up."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from interop.registry_figures import (
    NONE,
    ONGOING,
    RESOLVED,
    Dose,
    Workup,
    course_figures,
    day_after_infusion,
    dexamethasone_factor,
    drug_figures,
    spells_from_grades,
    vasopressor_figures,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Infused at 20:00 London time on 1 March 2026 (GMT = UTC then).
INFUSED = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return INFUSED + timedelta(hours=hours)


@pytest.mark.parametrize(
    "hours, tz, day",
    [
        (0, LONDON, 0),
        (3.99, LONDON, 0),  # 23:59 the same evening: still day 0
        (4, LONDON, 1),  # midnight: day 1, though only 4 hours later
        (27.99, LONDON, 1),
        (28, LONDON, 2),
        (-1, LONDON, 0),  # an hour before the infusion, the same day
        (-20.01, LONDON, -1),
        # In New York the infusion was at 15:00: midnight comes 9 hours later.
        (8.99, NEW_YORK, 0),
        (9, NEW_YORK, 1),
    ],
)
def test_the_day_after_infusion_counts_calendar_days_in_the_wards_zone(hours, tz, day):
    assert day_after_infusion(INFUSED, at(hours), tz) == day


def _course(spells, grades, as_of_hours=200):
    return course_figures(spells, grades, infusion_at=INFUSED, as_of=at(as_of_hours), tz=LONDON)


def test_no_crs_has_no_onset_no_duration_and_grade_0():
    course = _course([], [(at(1), 0), (at(30), 0)])
    assert course.status == NONE
    assert (course.onset_at, course.onset_day, course.resolved_at, course.duration) == (
        None,
        None,
        None,
        None,
    )
    assert (course.max_grade, course.max_grade_at, course.spells) == (0, None, 0)


def test_a_resolved_crs_has_its_onset_day_maximum_with_date_resolution_and_duration():
    course = _course(
        [(at(10), at(58))],
        [(at(10), 1), (at(30), 2), (at(34), 3), (at(40), 3), (at(44), 1), (at(58), 0)],
    )
    assert course.status == RESOLVED
    assert (course.onset_at, course.onset_day) == (at(10), 1)
    # The first assessment that reached the maximum dates it, not a later one.
    assert (course.max_grade, course.max_grade_at, course.max_grade_day) == (3, at(34), 2)
    assert course.resolved_at == at(58)
    assert course.duration == timedelta(hours=48) and course.duration_days == 2
    assert course.spells == 1


def test_an_ongoing_crs_counts_its_duration_up_to_the_summary_time():
    course = _course([(at(10), None)], [(at(10), 2)], as_of_hours=40)
    assert course.status == ONGOING
    assert course.resolved_at is None
    assert course.duration == timedelta(hours=30) and course.duration_days == 1.25


def test_a_crs_that_resolves_after_the_summary_time_is_still_ongoing_then():
    course = _course([(at(10), at(58))], [(at(10), 1), (at(58), 0)], as_of_hours=40)
    assert course.status == ONGOING and course.duration == timedelta(hours=30)


def test_grades_after_the_summary_time_do_not_count():
    course = _course([(at(10), None)], [(at(10), 1), (at(50), 4)], as_of_hours=40)
    assert course.max_grade == 1


def test_a_second_crs_after_a_resolution_keeps_the_first_onset_and_sums_the_durations():
    course = _course(
        [(at(10), at(34)), (at(100), None)],
        [(at(10), 1), (at(34), 0), (at(100), 2)],
        as_of_hours=112,
    )
    assert course.status == ONGOING
    assert course.onset_at == at(10) and course.onset_day == 1
    assert course.duration == timedelta(hours=24 + 12)
    assert course.spells == 2
    assert (course.last_onset_at, course.last_onset_day) == (at(100), 5)
    assert (course.max_grade, course.max_grade_day) == (2, 5)


def test_two_resolved_spells_resolve_with_the_last():
    course = _course([(at(10), at(34)), (at(100), at(130))], [(at(10), 1), (at(100), 1)])
    assert course.status == RESOLVED and course.resolved_at == at(130)
    assert course.duration == timedelta(hours=54)


@pytest.mark.parametrize(
    "grades, spells",
    [
        ([], []),
        ([(at(1), 0), (at(5), 0)], []),
        ([(at(1), 0), (at(5), 2), (at(9), 3), (at(20), 0)], [(at(5), at(20))]),
        ([(at(5), 1)], [(at(5), None)]),
        ([(at(5), 1), (at(9), 0), (at(30), 2)], [(at(5), at(9)), (at(30), None)]),
        # Out of order: sorted by time first.
        ([(at(9), 0), (at(5), 1)], [(at(5), at(9))]),
    ],
)
def test_icans_spells_run_from_the_first_grade_above_0_to_the_first_0_after(grades, spells):
    assert spells_from_grades(grades) == spells


def test_icans_ongoing_from_its_stored_grades():
    grades = [(at(0), 0), (at(90), 1), (at(102), 2)]
    course = _course(spells_from_grades(grades), grades, as_of_hours=110)
    assert course.status == ONGOING
    assert (course.onset_day, course.max_grade, course.max_grade_day) == (4, 2, 5)
    assert course.duration == timedelta(hours=20)


@pytest.mark.parametrize(
    "drug, other, factor",
    [
        ("dexamethasone", "", 1.0),
        ("methylprednisolone", "", 0.75 / 4),
        ("hydrocortisone", "", 0.75 / 20),
        ("other", "Prednisolone 50 mg oral", 0.75 / 5),
        ("other", "prednisone", 0.75 / 5),
        ("other", "budesonide", None),
        ("tocilizumab", "", None),
        ("acetaminophen", "", None),
    ],
)
def test_dexamethasone_equivalence_follows_the_bnf_table(drug, other, factor):
    got = dexamethasone_factor(drug, other)
    assert got is None if factor is None else got == pytest.approx(factor)


def test_steroids_over_two_days_add_up_in_dexamethasone_equivalents():
    doses = [
        Dose(at(1), "dexamethasone", 10),  # 21:00 on day 0
        Dose(at(3), "dexamethasone", 10),  # 23:00 the same day
        Dose(at(5), "methylprednisolone", 1000),  # 01:00 on day 1: 187.5 mg
        Dose(at(6), "hydrocortisone", 100),  # 3.75 mg
        Dose(at(7), "other", 50, "Prednisolone"),  # 7.5 mg
        Dose(at(8), "acetaminophen", 1000),  # not a steroid
    ]
    drugs = drug_figures(doses, tz=LONDON)
    assert drugs.steroid_dexamethasone_mg == 218.75
    assert drugs.steroid_days == 2
    assert (drugs.steroid_first_at, drugs.steroid_last_at) == (at(1), at(7))


def test_the_same_doses_are_one_day_in_new_york():
    doses = [Dose(at(1), "dexamethasone", 10), Dose(at(5), "dexamethasone", 10)]
    assert drug_figures(doses, tz=NEW_YORK).steroid_days == 1
    assert drug_figures(doses, tz=LONDON).steroid_days == 2


def test_tocilizumab_doses_are_counted_dated_and_summed():
    doses = [
        Dose(at(31), "tocilizumab", 578),
        Dose(at(23), "tocilizumab", 578),
        Dose(at(24), "dexamethasone", 10),
    ]
    drugs = drug_figures(doses, tz=LONDON)
    assert drugs.tocilizumab_doses == 2
    assert drugs.tocilizumab_at == (at(23), at(31))
    assert drugs.tocilizumab_mg == 1156


def test_no_drugs_no_figures():
    drugs = drug_figures([], tz=LONDON)
    assert (drugs.tocilizumab_doses, drugs.tocilizumab_mg) == (0, 0)
    assert (drugs.steroid_dexamethasone_mg, drugs.steroid_days, drugs.steroid_first_at) == (
        0,
        0,
        None,
    )


def test_vasopressors_any_most_at_once_first_and_last():
    pressors = vasopressor_figures(
        [(at(20), 0), (at(30), 1), (at(32), 2), (at(34), 1), (at(40), 0)]
    )
    assert pressors.any and pressors.max_at_once == 2
    assert (pressors.first_at, pressors.last_at) == (at(30), at(34))
    none = vasopressor_figures([(at(20), 0)])
    assert (none.any, none.max_at_once, none.first_at, none.last_at) == (False, 0, None, None)


@pytest.mark.parametrize(
    "culture, antibiotic, to_culture, to_antibiotic",
    [
        (at(10.25), at(12.5), 15, 150),
        (at(9.5), at(9), -30, 0),  # drawn at the rigor, antibiotic already running
        (None, None, None, None),
    ],
)
def test_fever_to_blood_culture_and_to_antibiotic(culture, antibiotic, to_culture, to_antibiotic):
    workup = Workup(fever_at=at(10), blood_culture_at=culture, antibiotic_at=antibiotic)
    assert workup.fever_to_blood_culture_min == to_culture
    assert workup.fever_to_antibiotic_min == to_antibiotic


def test_no_fever_no_work_up_times():
    assert Workup(blood_culture_at=at(3)).fever_to_blood_culture_min is None
