import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grading import services
from grading.board import rendered
from grading.models import Assessment, TocilizumabStock
from grading.rules.wording import clock
from patients import services as chart
from patients.models import Episode, VitalsSet, Ward

pytestmark = pytest.mark.django_db

NORMAL = {"temperature_c": Decimal("36.8"), "systolic": 122, "diastolic": 76, "spo2": 97}
FEVER = {**NORMAL, "temperature_c": Decimal("38.6")}
SHOCK = {
    **FEVER,
    "systolic": 84,
    "diastolic": 48,
    "vasopressors": ["norepinephrine"],
    "oxygen_device": "nasal_cannula",
    "oxygen_flow_l_min": 3,
}


def _ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


def _graded(episode, nurse, *, hours_ago: float, **values):
    """Chart a vitals set and grade the episode as of that moment, as the
    regrade on save would have then."""
    chart.vitals_record(episode=episode, observed_at=_ago(hours_ago), by=nurse, **values)
    services.regrade(episode, trigger="new_data", at=_ago(hours_ago))


def _graded_now(episode, nurse, **values):
    _graded(episode, nurse, hours_ago=0.05, **values)
    services.regrade(episode, trigger="new_data")  # and raise the prompts of now


def _board(client, user, ward=None, **params):
    client.force_login(user)
    url = reverse("ward_patients", args=[ward.pk]) if ward else reverse("board")
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _last_vitals_at(episode):
    return VitalsSet.objects.filter(episode=episode).latest("observed_at").observed_at


def _ward_clock(episode, moment) -> str:
    tz = episode.patient.ward.tzinfo
    return clock(moment, timezone.now().astimezone(tz))


def _names_in_order(page: str) -> list[str]:
    return re.findall(r'class="card-name"><a [^>]*>([A-Z]+),', page)


# --- Ordering -----------------------------------------------------------------


def test_the_most_severe_patient_comes_first(client, physician, nurse, ward, make_episode):
    calm = make_episode(family_name="Calm", infused_hours_ago=6)
    febrile = make_episode(family_name="Febrile", infused_hours_ago=6)
    shocked = make_episode(family_name="Shocked", infused_hours_ago=6)
    for episode, values in ((calm, NORMAL), (febrile, FEVER), (shocked, SHOCK)):
        _graded_now(episode, nurse, **values)
    assert _names_in_order(_board(client, physician, ward)) == ["SHOCKED", "FEBRILE", "CALM"]


def _card(page: str, family_name: str) -> str:
    start = page.index(f">{family_name.upper()},")
    return page[page.rindex("<article", 0, start) : page.index("</article>", start)]


def test_shock_without_fever_sorts_first_and_is_never_green(
    client, physician, nurse, ward, make_episode
):
    """Clinical-rules section 9: an afebrile patient on two vasopressors and
    BiPAP is CRS 0 but acuity 4, above a febrile grade 1 patient."""
    febrile = make_episode(family_name="Febrile", infused_hours_ago=6)
    shocked = make_episode(family_name="Afebrile", infused_hours_ago=6)
    _graded_now(febrile, nurse, **FEVER)
    _graded_now(
        shocked,
        nurse,
        **NORMAL,
        vasopressors=["norepinephrine", "epinephrine"],
        oxygen_device="bipap",
        oxygen_flow_l_min=10,
    )
    page = _board(client, physician, ward)
    assert _names_in_order(page) == ["AFEBRILE", "FEBRILE"]
    card = _card(page, "Afebrile")
    assert "edge-4" in card and "edge-0" not in card
    assert "Acuity 4</strong>: Shock without fever" in card
    # The CRS 0 badge is not the calm green either (section 9).
    assert "grade-0-unwell" in card and 'class="grade grade-0"' not in card
    assert "not CRS: see acuity 4" in card
    assert "evaluate other causes" in card


def test_a_rising_grade_comes_before_the_same_grade_that_holds(
    client, physician, nurse, ward, make_episode
):
    steady = make_episode(family_name="Steady", infused_hours_ago=60)
    rising = make_episode(family_name="Rising", infused_hours_ago=60)
    _graded(steady, nurse, hours_ago=40, **FEVER)
    _graded(steady, nurse, hours_ago=1, **FEVER)
    _graded(rising, nurse, hours_ago=40, **NORMAL)
    _graded(rising, nurse, hours_ago=1, **FEVER)
    page = _board(client, physician, ward)
    assert _names_in_order(page) == ["RISING", "STEADY"]
    assert "▲ Grade up" in page and "CRS 0 → 1" in page


def test_open_prompts_come_before_none_at_the_same_grade(
    client, physician, nurse, ward, make_episode
):
    quiet = make_episode(family_name="Quiet", infused_hours_ago=6)
    hypoxic = make_episode(family_name="Hypoxic", infused_hours_ago=6)
    _graded_now(quiet, nurse, **NORMAL)
    _graded_now(hypoxic, nurse, **{**NORMAL, "spo2": 88})  # grade 0, assess oxygen
    page = _board(client, physician, ward)
    assert _names_in_order(page) == ["HYPOXIC", "QUIET"]
    # SpO2 88 on air also scores NEWS2 3 on one parameter: urgent review (RCP 2017).
    assert "2 open prompts" in page and "assess oxygen" in page and "news2 urgent" in page


def test_overdue_vitals_come_before_vitals_on_time(client, physician, nurse, ward, make_episode):
    on_time = make_episode(family_name="Ontime", infused_hours_ago=8)
    late = make_episode(family_name="Late", infused_hours_ago=8)
    _graded(on_time, nurse, hours_ago=1, **NORMAL)
    _graded(late, nurse, hours_ago=5, **NORMAL)  # the ward charts every 4 h
    page = _board(client, physician, ward)
    assert _names_in_order(page) == ["LATE", "ONTIME"]
    assert page.count("⚠ Vitals overdue") == 1


def test_the_all_wards_board_shows_every_ward_with_its_name(client, physician, nurse, make_episode):
    other = Ward.objects.create(name="Second CAR-T ward")
    other.staff.add(physician)
    here = make_episode(family_name="Here")
    there = make_episode(family_name="There", ward=other)
    _graded_now(here, nurse, **NORMAL)
    _graded_now(there, nurse, **SHOCK)
    page = _board(client, physician)
    assert _names_in_order(page) == ["THERE", "HERE"]
    assert "Second CAR-T ward" in page and "Test CAR-T ward" in page


def test_a_ward_this_user_does_not_work_on_is_neither_shown_nor_found(
    client, physician, pharmacist, nurse, make_episode
):
    elsewhere = Ward.objects.create(name="Elsewhere ward")
    make_episode(family_name="Mine")
    make_episode(family_name="Theirs", ward=elsewhere)
    assert _names_in_order(_board(client, physician)) == ["MINE"]
    assert client.get(reverse("ward_patients", args=[elsewhere.pk])).status_code == 404
    assert "Elsewhere ward" not in _board(client, physician)
    # Pharmacists check doses on every ward.
    assert sorted(_names_in_order(_board(client, pharmacist))) == ["MINE", "THEIRS"]


def test_a_discharged_patient_leaves_the_board(client, physician, nurse, ward, make_episode):
    gone = make_episode(family_name="Gone")
    make_episode(family_name="Staying")
    Episode.objects.filter(pk=gone.pk).update(discharged_at=timezone.now())
    assert _names_in_order(_board(client, physician, ward)) == ["STAYING"]


# --- What a card shows ----------------------------------------------------------


def test_a_card_shows_grades_in_words_support_doses_prompts_and_stock(
    client, physician, nurse, pharmacist, ward, make_episode
):
    episode = make_episode(family_name="Marsh", infused_hours_ago=30)
    chart.weight_record(episode=episode, observed_at=_ago(20), by=nurse, weight_kg=80)
    chart.medication_record(
        episode=episode, observed_at=_ago(2), by=nurse, drug="tocilizumab", dose_mg=640
    )
    chart.medication_record(
        episode=episode, observed_at=_ago(1), by=nurse, drug="dexamethasone", dose_mg=10
    )
    TocilizumabStock.objects.create(episode=episode, doses_on_site=1, recorded_by=pharmacist)
    _graded_now(episode, nurse, **SHOCK)
    page = _board(client, physician, ward)
    assert "CRS" in page and '<span class="grade-num">3</span>' in page and "severe" in page
    assert "Norepinephrine" in page and "Nasal cannula 3 L/min" in page
    assert "BP 84/48 (MAP 60) (low)" in page and "T 38.6 °C (fever)" in page
    assert "1 given, 1 in 24 h" in page and "10 mg dex-eq in 24 h" in page
    assert "open prompts" in page and "icu transfer" in page
    assert "Tocilizumab on site: 1, fewer than 2" in page
    assert f"D{episode.day_after_infusion()}" in page and "axi-cel (Yescarta)" in page
    for name in ("patient_detail", "trajectory", "bedside"):
        assert reverse(name, args=[episode.patient_id]) in page


def test_a_card_with_no_stock_counted_says_so(client, physician, ward, episode):
    assert "Tocilizumab on site: not counted" in _board(client, physician, ward)


def test_the_sparkline_says_the_last_72_hours_in_words(
    client, physician, nurse, ward, make_episode
):
    episode = make_episode(infused_hours_ago=80)
    _graded(episode, nurse, hours_ago=50, **NORMAL)
    _graded(episode, nurse, hours_ago=20, **FEVER)
    _graded(episode, nurse, hours_ago=1, **SHOCK)
    page = _board(client, physician, ward)
    assert 'aria-label="last 72 h: CRS 0 → 1 → 3, ICANS 0"' in page
    assert '<path class="spark-crs" d="M' in page


# --- Overdue --------------------------------------------------------------------


def test_vitals_are_due_after_the_wards_interval(client, physician, nurse, ward, make_episode):
    ward.vitals_interval_hours = 2
    ward.save()
    episode = make_episode(infused_hours_ago=8)
    _graded(episode, nurse, hours_ago=2.5, **NORMAL)
    page = _board(client, physician, ward)
    charted = _last_vitals_at(episode)
    # Clock times, not "overdue by 30 min": the card need not change each minute.
    due = _ward_clock(episode, charted + timedelta(hours=2))
    assert f"⚠ Vitals overdue since {due} (every 2 h (ward interval))" in page
    assert f"<b>Vitals</b> {_ward_clock(episode, charted)}<br>" in page


def test_vitals_within_the_interval_are_not_due(client, physician, nurse, ward, make_episode):
    _graded(make_episode(infused_hours_ago=8), nurse, hours_ago=3.5, **NORMAL)
    page = _board(client, physician, ward)
    assert "Vitals overdue" not in page and "Grading late" not in page
    assert "next due" in page


def test_a_patient_on_a_vasopressor_is_due_hourly(client, physician, nurse, ward, make_episode):
    """Clinical-rules section 7 r2: CRS 3 on norepinephrine never shows a calm 4 h."""
    episode = make_episode(infused_hours_ago=8)
    _graded(episode, nurse, hours_ago=1.5, **SHOCK)
    page = _board(client, physician, ward)
    due = _ward_clock(episode, _last_vitals_at(episode) + timedelta(hours=1))
    assert f"⚠ Vitals overdue since {due} (every 1 h" in page


def test_grading_is_late_without_a_grade_from_new_data_in_12_hours(
    client, physician, nurse, ward, make_episode
):
    _graded(make_episode(infused_hours_ago=48), nurse, hours_ago=13, **NORMAL)
    page = _board(client, physician, ward)
    assert "⚠ Grading late: no grade from new data in 12 h" in page


def test_grading_is_late_when_a_chart_change_waits_for_its_regrade(
    client, physician, nurse, ward, make_episode
):
    episode = make_episode(infused_hours_ago=8)
    _graded(episode, nurse, hours_ago=1, **NORMAL)
    Episode.objects.filter(pk=episode.pk).update(graded_through=_ago(1), chart_changed_at=_ago(0.5))
    page = _board(client, physician, ward)
    assert "⚠ Grading late: change of" in page and "not graded" in page


def test_a_regrade_still_running_is_not_late(client, physician, nurse, ward, make_episode):
    episode = make_episode(infused_hours_ago=8)
    _graded(episode, nurse, hours_ago=1, **NORMAL)
    Episode.objects.filter(pk=episode.pk).update(graded_through=_ago(1), chart_changed_at=_ago(0))
    assert "Grading late" not in _board(client, physician, ward)


# --- "Grade up" stays until the patient is opened ---------------------------------


def _second_physician(ward):
    user = User.objects.create_user("petra.physician", password="a-long-test-password")
    user.groups.add(Group.objects.get_or_create(name="physician")[0])
    ward.staff.add(user)
    return user


def test_a_grade_up_stays_until_this_physician_opens_the_patient(
    client, physician, nurse, ward, make_episode
):
    episode = make_episode(infused_hours_ago=30)
    _graded(episode, nurse, hours_ago=20, **NORMAL)
    _graded(episode, nurse, hours_ago=0.5, **SHOCK)
    card = f'id="card-{episode.pk}" class="board-card edge-3 is-rising'
    assert card in _board(client, physician, ward)
    assert card in _board(client, physician, ward)  # looking at the board is not opening

    client.get(reverse("patient_detail", args=[episode.patient_id]))
    assert "is-rising" not in _board(client, physician, ward)
    assert card in _board(client, _second_physician(ward), ward)


def test_a_grade_that_rises_again_after_opening_is_news_again(
    client, physician, nurse, ward, make_episode
):
    episode = make_episode(infused_hours_ago=30)
    _graded(episode, nurse, hours_ago=20, **NORMAL)
    _graded(episode, nurse, hours_ago=2, **FEVER)
    client.force_login(physician)
    client.get(reverse("trajectory", args=[episode.patient_id]))
    assert "is-rising" not in _board(client, physician, ward)
    _graded(episode, nurse, hours_ago=0.5, **SHOCK)
    page = _board(client, physician, ward)
    assert "is-rising" in page and "CRS 1 → 3" in page


# --- Polling ----------------------------------------------------------------------


def _state(page: str) -> dict:
    state = {
        "version": re.search(r'name="version" value="([0-9a-f]+)"', page).group(1),
        "have": re.findall(r'name="have" value="([0-9]+:[0-9a-f]+)"', page),
    }
    turns = re.search(r'name="turns_at" value="([0-9]+)"', page)
    if turns:
        state["turns_at"] = turns.group(1)
    return state


def _poll(client, ward, state):
    return client.get(
        reverse("ward_patients", args=[ward.pk]),
        state,
        headers={"HX-Request": "true", "X-Background-Poll": "1"},
    )


def test_a_poll_when_nothing_changed_gets_204_without_drawing_a_card(
    client, physician, nurse, ward, make_episode
):
    for _ in range(3):
        _graded_now(make_episode(), nurse, **FEVER)
    with time_machine.travel(timezone.now(), tick=False):
        page = _board(client, physician, ward)
        with CaptureQueriesContext(connection) as full:
            _board(client, physician, ward)
        with CaptureQueriesContext(connection) as poll:
            response = _poll(client, ward, _state(page))
    assert response.status_code == 204 and response.content == b""
    assert response.templates == []
    assert len(poll) < len(full) / 2


def test_a_poll_after_new_vitals_sends_only_the_changed_card_and_the_new_order(
    client, physician, nurse, ward, make_episode
):
    quiet = make_episode(family_name="Quiet")
    worse = make_episode(family_name="Worse")
    _graded_now(quiet, nurse, **NORMAL)
    _graded_now(worse, nurse, **NORMAL)
    with time_machine.travel(timezone.now(), tick=False):
        state = _state(_board(client, physician, ward))
        _graded_now(worse, nurse, **SHOCK)
        response = _poll(client, ward, state)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert f'hx-swap-oob="innerHTML:#slot-{worse.pk}"' in fragment
    assert f"#slot-{quiet.pk}" not in fragment and "QUIET" not in fragment
    assert f'data-order="{worse.pk},{quiet.pk}"' in fragment
    assert 'id="board-state"' in fragment and "<html" not in fragment


def test_a_poll_adds_a_new_patient_and_removes_a_discharged_one(
    client, physician, nurse, ward, make_episode
):
    leaving = make_episode(family_name="Leaving")
    with time_machine.travel(timezone.now(), tick=False):
        state = _state(_board(client, physician, ward))
        Episode.objects.filter(pk=leaving.pk).update(discharged_at=timezone.now())
        arriving = make_episode(family_name="Arriving")
        fragment = _poll(client, ward, state).content.decode()
    assert 'hx-swap-oob="beforeend:#board-cards"' in fragment and "ARRIVING" in fragment
    assert f'<div id="slot-{leaving.pk}" hx-swap-oob="delete">' in fragment
    assert f'data-order="{arriving.pk}"' in fragment


def test_the_board_polls_itself_every_10_seconds_as_a_background_request(client, physician, ward):
    page = _board(client, physician, ward)
    assert 'hx-trigger="every 10s"' in page and 'hx-include="#board-state"' in page
    assert "X-Background-Poll" in page


# --- Fast at scale ----------------------------------------------------------------


def _busy_patient(make_episode, nurse, pharmacist):
    """A patient touching every part of a card: grades, prompts, drugs, stock."""
    episode = make_episode(infused_hours_ago=30)
    chart.medication_record(
        episode=episode, observed_at=_ago(3), by=nurse, drug="tocilizumab", dose_mg=600
    )
    chart.neuro_record(
        episode=episode, observed_at=_ago(2), by=nurse, tool="ICE", consciousness="alert"
    )
    TocilizumabStock.objects.create(episode=episode, doses_on_site=2, recorded_by=pharmacist)
    _graded(episode, nurse, hours_ago=20, **NORMAL)
    _graded_now(episode, nurse, **SHOCK)


@pytest.mark.parametrize("board", ["ward_patients", "board"])
def test_the_board_costs_the_same_queries_for_5_or_50_patients(
    client, physician, nurse, pharmacist, ward, make_episode, board
):
    client.force_login(physician)
    url = reverse(board, args=[ward.pk]) if board == "ward_patients" else reverse(board)

    def count_for(patients):
        while Episode.objects.count() < patients:
            _busy_patient(make_episode, nurse, pharmacist)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count_for(5) == count_for(50)
    assert Assessment.objects.count() >= 100


def test_a_temperature_only_set_keeps_the_support_charted_before_on_the_card(
    client, physician, nurse, episode
):
    _graded(episode, nurse, hours_ago=2, **SHOCK)
    _graded_now(
        episode,
        nurse,
        temperature_c=Decimal("38.9"),
        oxygen_device="",
        vasopressors=None,
    )
    page = _board(client, physician)
    tz = episode.patient.ward.tzinfo
    # The time the support was charted, read back: not "2 h ago" worked out
    # again, which a slow run may put in the next minute.
    support_at = VitalsSet.objects.filter(episode=episode).earliest("observed_at").observed_at
    charted = clock(support_at, timezone.localtime(timezone=tz))
    assert f"Nasal cannula 3 L/min (charted {charted})" in page
    assert f"Norepinephrine (charted {charted})</strong>" in page
    assert "no vasopressor" not in page
    assert Assessment.objects.latest_first().first().crs_grade == 3


# --- Cards kept in the cache --------------------------------------------------------


@pytest.fixture
def drawn(monkeypatch):
    """The episodes whose card was drawn (not taken from the cache), in order."""
    episodes = []
    draw = rendered.draw

    def drawing(card, all_wards):
        episodes.append(card.episode.pk)
        return draw(card, all_wards)

    monkeypatch.setattr(rendered, "draw", drawing)
    return episodes


def _a_minute_from_now(second: int):
    return timezone.now().replace(second=second, microsecond=0) + timedelta(minutes=1)


def test_a_card_drawn_once_is_taken_from_the_cache_by_the_next_look(
    client, physician, nurse, ward, make_episode, drawn
):
    episodes = [make_episode(family_name=name) for name in ("First", "Second", "Third")]
    for episode in episodes:
        _graded_now(episode, nurse, **FEVER)
    with time_machine.travel(_a_minute_from_now(5), tick=False):
        page = _board(client, physician, ward)
        assert sorted(drawn) == sorted(e.pk for e in episodes)
        with CaptureQueriesContext(connection) as kept:
            again = _board(client, physician, ward)
        # Another physician who saw the same grades gets the same cards.
        assert _names_in_order(_board(client, _second_physician(ward), ward)) == [
            "FIRST",
            "SECOND",
            "THIRD",
        ]
    assert len(drawn) == 3
    assert again.count("<article") == 3 and _state(again) == _state(page)
    # The board state and the page's own reads, none of the nine card queries.
    assert not any("grading_assessment" in q["sql"] and "LAG(" in q["sql"] for q in kept)
    assert not any('FROM "grading_prompt"' in q["sql"][:200] for q in kept)


def test_new_vitals_draw_that_card_again_and_no_other(
    client, physician, nurse, ward, make_episode, drawn
):
    quiet = make_episode(family_name="Quiet")
    worse = make_episode(family_name="Worse")
    _graded_now(quiet, nurse, **NORMAL)
    _graded_now(worse, nurse, **NORMAL)
    with time_machine.travel(_a_minute_from_now(5), tick=False):
        state = _state(_board(client, physician, ward))
        drawn.clear()
        _graded_now(worse, nurse, **SHOCK)  # new vitals and a new assessment
        fragment = _poll(client, ward, state).content.decode()
        assert drawn == [worse.pk]
        page = _board(client, physician, ward)
    assert drawn == [worse.pk]
    assert f"#slot-{worse.pk}" in fragment and "Norepinephrine" in fragment
    assert _names_in_order(page) == ["WORSE", "QUIET"] and "BP 84/48" in page


def test_a_new_assessment_alone_draws_the_card_again(
    client, physician, nurse, ward, make_episode, drawn
):
    episode = make_episode(family_name="Regraded", infused_hours_ago=30)
    _graded(episode, nurse, hours_ago=2, **FEVER)
    with time_machine.travel(_a_minute_from_now(5), tick=False):
        assert "edge-1" in _board(client, physician, ward)
        Assessment.objects.filter(episode=episode).update(crs_grade=2, acuity=2)
        assert "edge-1" in _board(client, physician, ward)  # no new row: same card
        services.regrade(episode, trigger="new_data")  # back to what the chart says: a new row
        Assessment.objects.filter(episode=episode).exclude(
            pk=Assessment.objects.filter(episode=episode).latest_first().first().pk
        ).update(crs_grade=1)
        page = _board(client, physician, ward)
    assert drawn == [episode.pk, episode.pk]
    assert "edge-1" in page


def test_a_card_turns_overdue_within_the_minute_it_was_drawn_in(
    client, physician, nurse, ward, make_episode, drawn
):
    """A kept card is drawn again at the moment its vitals fall due: they
    must not stay calm until anything else changes (clinical-rules section 7)."""
    start = _a_minute_from_now(5)
    with time_machine.travel(start, tick=False):
        episode = make_episode(infused_hours_ago=8)
        # The ward charts every 4 h: due 30 s from now.
        _graded(episode, nurse, hours_ago=4 - 30 / 3600, **NORMAL)
        page = _board(client, physician, ward)
        state = _state(page)
    assert "Vitals overdue" not in page and state["turns_at"]
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        assert _poll(client, ward, state).status_code == 204
        assert "Vitals overdue" not in _board(client, physician, ward)
    assert drawn == [episode.pk]
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        response = _poll(client, ward, state)
        page = _board(client, physician, ward)
    assert response.status_code == 200
    assert f"#slot-{episode.pk}" in response.content.decode()
    assert "⚠ Vitals overdue" in response.content.decode()
    assert "⚠ Vitals overdue" in page
    assert drawn == [episode.pk, episode.pk]


def test_a_card_with_nothing_that_moves_with_the_clock_is_kept_across_the_minute(
    client, physician, nurse, ward, episode, drawn
):
    start = _a_minute_from_now(55)
    with time_machine.travel(start, tick=False):
        _graded(episode, nurse, hours_ago=1 + 50 / 3600, **NORMAL)
        charted = _ward_clock(episode, _last_vitals_at(episode))
        assert f"<b>Vitals</b> {charted} · next due" in _board(client, physician, ward)
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        page = _board(client, physician, ward)
    assert f"<b>Vitals</b> {charted} · next due" in page and "Vitals overdue" not in page
    assert drawn == [episode.pk]


def test_an_overdue_card_kept_across_the_minute_still_says_since_when(
    client, physician, nurse, ward, episode, drawn
):
    start = _a_minute_from_now(55)
    with time_machine.travel(start, tick=False):
        _graded(episode, nurse, hours_ago=5, **NORMAL)  # the ward charts every 4 h
        due = _ward_clock(episode, _last_vitals_at(episode) + timedelta(hours=4))
        assert f"⚠ Vitals overdue since {due}" in _board(client, physician, ward)
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        page = _board(client, physician, ward)
    assert f"⚠ Vitals overdue since {due}" in page and "is-overdue" in page
    assert "next due" not in page
    assert drawn == [episode.pk]


def test_a_row_charted_ahead_of_its_time_shows_once_that_time_comes(
    client, physician, nurse, ward, episode, drawn
):
    start = _a_minute_from_now(5)
    with time_machine.travel(start, tick=False):
        _graded(episode, nurse, hours_ago=2, **NORMAL)
        # A monitor's clock 4 min ahead: allowed (clinical-rules section 1).
        chart.vitals_record(episode=episode, observed_at=_ago(-4 / 60), by=nurse, **FEVER)
        assert "(fever)" not in _board(client, physician, ward)
    with time_machine.travel(start + timedelta(minutes=5, seconds=1), tick=False):
        page = _board(client, physician, ward)
    assert "T 38.6 °C (fever)" in page
    assert drawn == [episode.pk, episode.pk]


def test_a_dose_leaving_the_24_hours_draws_the_card_again(
    client, physician, nurse, ward, episode, drawn
):
    start = _a_minute_from_now(5)
    with time_machine.travel(start, tick=False):
        chart.medication_record(
            episode=episode,
            observed_at=_ago(24 - 20 / 3600),
            by=nurse,
            drug="dexamethasone",
            dose_mg=10,
        )
        _graded(episode, nurse, hours_ago=0.5, **NORMAL)
        assert "10 mg dex-eq in 24 h" in _board(client, physician, ward)
    with time_machine.travel(start + timedelta(seconds=21), tick=False):
        page = _board(client, physician, ward)
    assert "10 mg dex-eq in 24 h" not in page and "0 mg dex-eq in 24 h" in page
    assert drawn == [episode.pk, episode.pk]


def test_a_kept_cards_sparkline_slides_with_the_clock_as_a_new_drawing_would(
    client, physician, nurse, ward, make_episode, drawn, monkeypatch
):
    episode = make_episode(infused_hours_ago=100)
    _graded(episode, nurse, hours_ago=90, **NORMAL)
    _graded(episode, nurse, hours_ago=71.97, **FEVER)  # leaves the 72 h in 108 s
    _graded(episode, nurse, hours_ago=10, **SHOCK)
    _graded(episode, nurse, hours_ago=0.1, **SHOCK)  # hourly vitals: due in 54 min
    start = _a_minute_from_now(5)
    with time_machine.travel(start, tick=False):
        first = _board(client, physician, ward)
    assert 'aria-label="last 72 h: CRS 0 → 1 → 3, ICANS 0"' in first
    # Within 5 min of the last charting (a row may be charted that far ahead).
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        kept = _board(client, physician, ward)
        monkeypatch.setattr(rendered, "_fetch", lambda keys: {})  # as if nothing were kept
        new = _board(client, physician, ward)
    assert drawn == [episode.pk, episode.pk]  # kept at first, then drawn anew
    svg = re.compile(r"<svg.*?</svg>", re.S)
    assert svg.findall(kept) == svg.findall(new) != svg.findall(first)
    assert 'aria-label="last 72 h: CRS 1 → 3, ICANS 0"' in kept
    assert _state(kept)["have"] == _state(new)["have"]


def test_a_board_whose_cache_is_down_still_draws_every_card(
    client, physician, nurse, ward, make_episode, monkeypatch
):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(rendered.cache, "get_many", down)
    monkeypatch.setattr(rendered.cache, "set_many", down)
    _graded_now(make_episode(family_name="Still"), nurse, **FEVER)
    assert _names_in_order(_board(client, physician, ward)) == ["STILL"]
