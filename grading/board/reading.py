"""Reads for the unit board and the downtime sheets: every active CAR-T patient
as a card, in a fixed number of queries however many patients there are.

`board_state` is the cheap read: one row per active episode holding
everything a card shows that can change, so that a poll learns what changed
without building a card, and a card drawn before is found again by it.
`board_cards` builds the cards themselves.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Max, OuterRef, Q, Subquery, Window
from django.db.models.functions import Lag
from django.utils import timezone

from patients.models import Episode, NeuroAssessment, Patient, VitalsSet, Ward

from ..models import Assessment, BoardSeen, Prompt, PromptResponse, TocilizumabStock
from ..selectors import summarise_doses
from ..snapshot import dose_snapshots
from .card import GRADED_FROM_NEW_DATA, Card, rises
from .drawing import SPARKLINE_WINDOW, series


def _scope(wards: Iterable[Ward], patient_id: int | None) -> Q:
    scope = Q(patient__ward__in=list(wards))
    if patient_id is not None:
        scope &= Q(patient_id=patient_id)
    return scope


def _newest(queryset, field_name: str, per: str = "episode"):
    """The largest value of one field among an episode's related rows, as a
    subquery. An aggregate, not ORDER BY ... LIMIT 1, so that PostgreSQL reads
    the episode's rows by its index instead of walking the whole table backwards."""
    return Subquery(
        queryset.order_by().values(per).annotate(newest=Max(field_name)).values("newest")
    )


def _columns() -> list[str]:
    """Every column of the episode, its patient and their ward: names, beds,
    time zones, protocols and intervals all show on a card."""
    return (
        [f.name for f in Episode._meta.concrete_fields]
        + [f"patient__{f.name}" for f in Patient._meta.concrete_fields]
        + [f"patient__ward__{f.name}" for f in Ward._meta.concrete_fields]
    )


@dataclass(frozen=True)
class BoardState:
    """Per active episode (by id), the text of a row that changes whenever
    its card could look different, the clock aside; and a token for the
    whole board."""

    rows: dict[int, str]
    token: str


def board_state(*, user, wards: Iterable[Ward], now: datetime | None = None) -> BoardState:
    """One query: per active episode, its own columns and its patient's and
    ward's, the newest chart change, assessment, prompt event and stock count,
    and the grades this user last saw. The token holds the minute too, because
    ages and overdue badges move with the clock."""
    now = now or timezone.now()
    mine = Q(episode=OuterRef("pk"))
    seen = BoardSeen.objects.filter(mine, user=user)
    rows = (
        Episode.objects.active()
        .filter(_scope(wards, None))
        .order_by("pk")
        .values_list(
            *_columns(),
            _newest(Assessment.objects.filter(mine), "pk"),
            _newest(Prompt.objects.filter(mine), "pk"),
            _newest(Prompt.objects.filter(mine, resolved_at__isnull=False), "resolved_at"),
            _newest(
                PromptResponse.objects.filter(prompt__episode=OuterRef("pk")),
                "pk",
                per="prompt__episode",
            ),
            _newest(TocilizumabStock.objects.filter(mine), "pk"),
            # What "Grade up" is measured against (not when: opening the
            # patient again at the same grades changes nothing on the card).
            Subquery(seen.values("assessment__crs_grade")[:1]),
            Subquery(seen.values("assessment__icans_grade")[:1]),
        )
    )
    # Each row written out once, for the token here and the card's cache key.
    by_episode = {row[0]: repr(row) for row in rows}
    minute = now.replace(second=0, microsecond=0)
    state = "\n".join((repr((user.pk, minute)), *by_episode.values()))
    token = hashlib.blake2b(state.encode(), digest_size=8).hexdigest()
    return BoardState(rows=by_episode, token=token)


def board_version(*, user, wards: Iterable[Ward], now: datetime | None = None) -> str:
    """A short token that changes whenever a card could look different."""
    return board_state(user=user, wards=wards, now=now).token


def board_cards(
    *,
    user,
    wards: Iterable[Ward],
    patient_id: int | None = None,
    episode_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> list[Card]:
    """One card per active episode on these wards (or of one patient there, or
    of these episodes there), most severe first. Nine queries, whatever the
    number of patients."""
    now = now or timezone.now()
    scope = _scope(wards, patient_id)
    if episode_ids is not None:
        scope &= Q(pk__in=list(episode_ids))
    episodes = _episodes(scope, user, now)
    history = _history(episodes, now)
    vitals = VitalsSet.objects.prefetch_related("vasopressors").in_bulk(
        [
            pk
            for e in episodes
            for pk in (e.vitals_id, e.oxygen_vitals_id, e.pressor_vitals_id)
            if pk is not None
        ]
    )
    neuro = NeuroAssessment.objects.in_bulk([e.neuro_id for e in episodes if e.neuro_id])
    prompts = _live_prompts(episodes)
    snapshots = dose_snapshots(episodes, now)
    cards = []
    for episode in episodes:
        snapshot = snapshots[episode.pk]
        stock = None
        if episode.stock_on_site is not None:
            stock = TocilizumabStock(
                episode=episode,
                doses_on_site=episode.stock_on_site,
                recorded_at=episode.stock_counted_at,
            )
        window = history.get(episode.pk, [])
        card = Card(
            episode=episode,
            now=now,
            current=window[-1] if window else None,
            max_crs=episode.max_crs,
            max_icans=episode.max_icans,
            history=window,
            vitals=vitals.get(episode.vitals_id),
            oxygen_vitals=vitals.get(episode.oxygen_vitals_id),
            pressor_vitals=vitals.get(episode.pressor_vitals_id),
            neuro=neuro.get(episode.neuro_id),
            prompts=prompts.get(episode.pk, []),
            snapshot=snapshot,
            doses=summarise_doses(snapshot, stock),
            last_graded_from_new_data=episode.last_graded_from_new_data,
            seen_grades=(
                None if episode.seen_crs is None else (episode.seen_crs, episode.seen_icans)
            ),
        )
        card.rises = rises(window, now)
        card.series = series(window)
        cards.append(card)
    return sorted(cards, key=lambda card: card.sort_key)


def _episodes(scope: Q, user, now: datetime) -> list[Episode]:
    assessments = Assessment.objects.filter(episode=OuterRef("pk"))
    newest = assessments.order_by("-evaluated_at", "-pk").values("pk")
    per_episode = assessments.order_by().values("episode")
    stock = TocilizumabStock.objects.filter(episode=OuterRef("pk")).order_by("-recorded_at", "-pk")
    seen = BoardSeen.objects.filter(episode=OuterRef("pk"), user=user)
    return list(
        Episode.objects.active()
        .filter(scope)
        .select_related("patient__ward")
        .annotate(
            current_id=Subquery(newest[:1]),
            # The grade in force when the sparkline's window opens.
            window_start_id=Subquery(newest.filter(evaluated_at__lte=now - SPARKLINE_WINDOW)[:1]),
            max_crs=Subquery(per_episode.annotate(top=Max("crs_grade")).values("top")),
            max_icans=Subquery(per_episode.annotate(top=Max("icans_grade")).values("top")),
            last_graded_from_new_data=Subquery(
                assessments.filter(trigger__in=GRADED_FROM_NEW_DATA)
                .order_by("-evaluated_at")
                .values("evaluated_at")[:1]
            ),
            vitals_id=_latest_chart_row(VitalsSet, now),
            oxygen_vitals_id=_latest_chart_row(VitalsSet, now, ~Q(oxygen_device="")),
            pressor_vitals_id=_latest_chart_row(VitalsSet, now, Q(vasopressors_recorded=True)),
            neuro_id=_latest_chart_row(NeuroAssessment, now),
            stock_on_site=Subquery(stock.values("doses_on_site")[:1]),
            stock_counted_at=Subquery(stock.values("recorded_at")[:1]),
            seen_crs=Subquery(seen.values("assessment__crs_grade")[:1]),
            seen_icans=Subquery(seen.values("assessment__icans_grade")[:1]),
        )
    )


def _latest_chart_row(model, now: datetime, recorded: Q | None = None):
    return Subquery(
        model.objects.valid()
        .filter(recorded or Q(), episode=OuterRef("pk"), observed_at__lte=now)
        .order_by("-observed_at", "-pk")
        .values("pk")[:1]
    )


def _history(episodes: list[Episode], now: datetime) -> dict[int, list]:
    """Per episode, the sparkline's series, oldest first: the assessment in
    force when the window opens, those of the window that moved a grade, and
    the current one (the only one with its reasons). A week of hourly regrades
    is thousands of rows for a unit; the grade changes are a handful."""
    since = now - SPARKLINE_WINDOW
    current_ids = [e.current_id for e in episodes if e.current_id]
    # The ends by primary key. Asked together with the window in one OR, they
    # made PostgreSQL scan the whole table, discharged patients included.
    ends = Assessment.objects.defer("inputs_used").in_bulk(
        current_ids + [e.window_start_id for e in episodes if e.window_start_id]
    )
    order = [F("evaluated_at").asc(), F("pk").asc()]
    changes = (
        Assessment.objects.filter(
            episode__in=episodes, evaluated_at__gt=since, evaluated_at__lte=now
        )
        .exclude(pk__in=current_ids)
        .annotate(
            crs_before=Window(Lag("crs_grade"), partition_by=F("episode_id"), order_by=order),
            icans_before=Window(Lag("icans_grade"), partition_by=F("episode_id"), order_by=order),
        )
        .filter(
            Q(crs_before__isnull=True)
            | ~Q(crs_before=F("crs_grade"))
            | ~Q(icans_before=F("icans_grade"))
        )
        .order_by("evaluated_at", "pk")
        # Plain rows, not model instances: the sparkline reads four fields.
        .values_list("episode_id", "evaluated_at", "crs_grade", "icans_grade", named=True)
    )
    history: dict[int, list] = {}
    for episode in episodes:
        anchor = ends.get(episode.window_start_id)
        if anchor is not None and anchor.pk != episode.current_id:
            history[episode.pk] = [anchor]
    for assessment in changes:
        history.setdefault(assessment.episode_id, []).append(assessment)
    for episode in episodes:
        current = ends.get(episode.current_id)
        if current is not None:
            # The latest by (evaluated_at, pk): it closes its episode's history.
            history.setdefault(episode.pk, []).append(current)
    return history


def _live_prompts(episodes: list[Episode]) -> dict[int, list[Prompt]]:
    live: dict[int, list[Prompt]] = {}
    for prompt in (
        Prompt.objects.filter(episode__in=episodes)
        .live()
        .prefetch_related("supersedes__responses", "supersedes__supersedes")
    ):
        live.setdefault(prompt.episode_id, []).append(prompt)
    for prompts in live.values():
        prompts.sort(key=lambda p: (p.severity_rank, p.raised_at))
    return live
