"""The unit board (one ward, or every ward) and the downtime sheets.

The board polls itself. A poll carries the version token it was drawn from,
the moment the clock alone turns one of its cards (due, late), and the
version of each card; the server answers 204 (htmx swaps nothing) while both
still hold, and otherwise sends only the cards that changed, as out-of-band
swaps, with the new order. Cards come from the cache when nothing they show
has changed (grading/board/rendered.py).
"""

from datetime import datetime

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from patients import access
from patients.models import Ward

from . import downtime
from .board import Card, board_cards, board_state
from .board.rendered import BoardMarkup, DrawnCard, drawn_board, turns_at
from .selectors import bed_order
from .views import in_ward_time

# Issue 5: a board that refreshes itself every 15 s or less.
POLL_SECONDS = 10


def _cards_held(request) -> dict[int, str]:
    """What the polling page shows now: {episode id: card version}."""
    held = {}
    for item in request.GET.getlist("have"):
        pk, _, version = item.partition(":")
        # str.isdigit() also passes "²" and 5000-digit strings, which int() refuses.
        if pk.isascii() and pk.isdigit() and len(pk) <= 18:
            held[int(pk)] = version
    return held


def _show_times_in(wards: list[Ward]) -> None:
    # One clock for the page when the wards share one; otherwise each card
    # shows its own ward's (UTC for the page).
    if len({ward.time_zone for ward in wards}) == 1:
        in_ward_time(wards[0])


@require_safe
def board(request, ward_id: int | None = None):
    """The unit board, for one ward or every ward this user sees: the page, or
    the answer to its poll."""
    ward = access.ward_for(request.user, ward_id) if ward_id is not None else None
    shown = [ward] if ward else list(access.visible_wards(request.user))
    _show_times_in(shown)
    now = timezone.now()
    state = board_state(user=request.user, wards=shown, now=now)
    polling = bool(request.htmx) and "version" in request.GET
    if polling and request.GET["version"] == state.token and not _turned(request, now):
        return HttpResponse(status=204)

    cards = drawn_board(
        user=request.user, wards=shown, state=state, all_wards=ward is None, now=now
    )
    context = {
        "ward": ward,
        "wards": list(access.visible_wards(request.user)) if ward else shown,
        "cards": cards,
        "markup": BoardMarkup.of(cards),
        "version": state.token,
        "turns_at": turns_at(cards),
        "now": now,
        "poll_seconds": POLL_SECONDS,
        "counts": _counts(cards),
    }
    if not polling:
        return render(request, "grading/board.html", context)
    held = _cards_held(request)
    showing = {drawn.pk for drawn in cards}
    context |= {
        "changed": [d for d in cards if d.pk in held and held[d.pk] != d.version],
        "added": [d for d in cards if d.pk not in held],
        "gone": sorted(pk for pk in held if pk not in showing),
    }
    return render(request, "grading/board.html#poll", context)


def _turned(request, now: datetime) -> bool:
    """The clock has reached the moment the page said one of its cards turns
    due or late (sent back by the poll): those cards must be drawn again, even
    within the minute and whatever the cache keeps."""
    moment = request.GET.get("turns_at", "")
    if not (moment.isascii() and moment.isdigit() and len(moment) <= 12):
        return False
    return now.timestamp() >= int(moment)


def _counts(cards: list[DrawnCard]) -> dict[str, int]:
    return {
        "patients": len(cards),
        "severe": sum(1 for card in cards if (card.acuity or 0) >= 3),
        "rising": sum(1 for card in cards if card.rising),
        "prompts": sum(card.open_prompts for card in cards),
        "overdue": sum(1 for card in cards if card.overdue),
    }


@require_safe
def ward_downtime(request, ward_id: int):
    """A ward on paper: a line block per patient by bed, then a full sheet for
    each of the sickest."""
    ward = access.ward_for(request.user, ward_id)
    in_ward_time(ward)
    now = timezone.now()
    cards = sorted(board_cards(user=request.user, wards=[ward], now=now), key=_by_bed)
    full = downtime.sickest_first(cards)
    context = {
        "ward": ward,
        "cards": cards,
        "in_full": {card.episode.pk for card in full},
        "sheets": downtime.sheets(full),
        "full_from_acuity": downtime.FULL_SHEET_FROM_ACUITY,
        "now": now,
    }
    return render(request, "grading/downtime.html", context)


@require_safe
def patient_downtime(request, patient_id: int):
    """One patient's full sheet."""
    patient = access.patient_for(request.user, patient_id)
    in_ward_time(patient.ward)
    now = timezone.now()
    cards = board_cards(user=request.user, wards=[patient.ward], patient_id=patient.pk, now=now)
    context = {
        "ward": patient.ward,
        "patient": patient,
        "sheets": downtime.sheets(cards),
        "now": now,
    }
    return render(request, "grading/downtime.html", context)


def _by_bed(card: Card) -> tuple:
    # On paper the ward walks the beds in order.
    return bed_order(card.patient.bed), card.patient.family_name
