"""Cards drawn once and kept: the board's HTML per card, in the Django cache.

A card is kept under its row of the board state (everything it shows that can
change) and whether the ward's name shows; the grades this user last saw are
part of the row. Not under the minute: a card says nothing that moves with the
clock between the moments of `Card.turns_at` (due, late, rising, a dose
leaving the 24 h counts, the ward's midnight). From such a moment on a kept
card is drawn again, so it never looks calmer than the rules say. The
sparkline, whose right edge is now, is left out of the kept HTML and drawn on
each look from the small series kept beside it (no query, no template). A poll
that finds one changed card draws one card; a board whose cards are all kept
costs the state query, one cache read and the sparklines.
"""

import hashlib
import logging
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from math import ceil

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from .card import Card
from .drawing import Series, sparkline
from .reading import BoardState, board_cards

logger = logging.getLogger(__name__)

CARD_TEMPLATE = "grading/board.html#card"
# A kept card is good until its row changes (a new key) or its `turns_at`
# passes; an entry that is no longer asked for leaves the cache after this.
KEEP_SECONDS = 6 * 3600
# Part of every key: change it when the card template or its facts change shape,
# so that no server draws an old card during a deployment.
KEY_VERSION = "card-4"
# Where the kept HTML takes the sparkline drawn on each look. A comment: the
# card template never writes one, and a patient's name is escaped.
SPARK_MARK = "<!--sparkline-->"


@dataclass(frozen=True)
class DrawnCard:
    """A card as HTML with the few facts the board sorts and counts by."""

    pk: int
    body: str  # the card's HTML with SPARK_MARK where the sparkline goes
    series: Series  # what the sparkline is drawn from
    sort_key: tuple
    acuity: int | None
    rising: bool
    open_prompts: int
    overdue: bool
    turns_at: datetime | None
    # As shown at one moment (`at`), not kept.
    html: SafeString = field(default=mark_safe(""), compare=False)
    version: str = ""  # changes with anything the card shows (the poll's "have")

    def fresh(self, now: datetime) -> bool:
        return self.turns_at is None or now < self.turns_at

    def at(self, now: datetime) -> "DrawnCard":
        html = self.body.replace(SPARK_MARK, sparkline(self.series, now).svg, 1)
        return replace(
            self,
            html=mark_safe(html),
            version=hashlib.blake2b(html.encode(), digest_size=6).hexdigest(),
        )

    def kept(self) -> dict:
        # Shallow: the fields are immutable (asdict's deep copy cost more than the rest).
        return {name: getattr(self, name) for name in KEPT_FIELDS}


KEPT_FIELDS = tuple(f.name for f in fields(DrawnCard) if f.name not in ("html", "version"))


def card_key(row: str, all_wards: bool) -> str:
    state = f"{KEY_VERSION}\n{all_wards}\n{row}"
    return "board-card:" + hashlib.blake2b(state.encode(), digest_size=16).hexdigest()


def draw(card: Card, all_wards: bool) -> DrawnCard:
    body = get_template(CARD_TEMPLATE).render(
        {"card": card, "all_wards": all_wards, "sparkline": mark_safe(SPARK_MARK)}
    )
    return DrawnCard(
        pk=card.episode.pk,
        body=body,
        series=card.series,
        sort_key=card.sort_key,
        acuity=card.acuity,
        rising=bool(card.rises),
        open_prompts=len(card.open_prompts),
        overdue=card.overdue,
        turns_at=card.turns_at,
    )


def drawn_board(
    *, user, wards, state: BoardState, all_wards: bool, now: datetime
) -> list[DrawnCard]:
    """Every card of the board state, most severe first: kept ones as they
    were drawn, the others built (in the board's fixed number of queries) and
    drawn now."""
    keys = {pk: card_key(row, all_wards) for pk, row in state.rows.items()}
    kept = _fetch(keys.values())
    drawn = {}
    for pk, key in keys.items():
        entry = kept.get(key)
        if entry is not None:
            card = DrawnCard(**entry)
            if card.fresh(now):
                drawn[pk] = card
    missing = [pk for pk in keys if pk not in drawn]
    if missing:
        built = board_cards(user=user, wards=wards, episode_ids=missing, now=now)
        for card in built:
            drawn[card.episode.pk] = draw(card, all_wards)
        _keep({keys[card.episode.pk]: drawn[card.episode.pk].kept() for card in built})
    shown = [card.at(now) for card in drawn.values()]
    return sorted(shown, key=lambda card: card.sort_key)


def turns_at(cards: list[DrawnCard]) -> int | None:
    """The first moment, in whole seconds since the epoch, at which the clock
    alone changes one of these cards."""
    moments = [card.turns_at for card in cards if card.turns_at is not None]
    return ceil(min(moments).timestamp()) if moments else None


# A cache that is down costs the board its speed, never the board: every card
# is drawn, as before there was a cache.


def _fetch(keys) -> dict:
    try:
        return cache.get_many(list(keys))
    except Exception:  # noqa: BLE001 - whatever the cache's failure
        logger.warning("Board card cache unavailable: drawing every card", exc_info=True)
        return {}


def _keep(entries: dict) -> None:
    try:
        cache.set_many(entries, KEEP_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("Board card cache unavailable: cards not kept", exc_info=True)


@dataclass(frozen=True)
class BoardMarkup:
    """What the board repeats for every card, written here once rather than
    card by card in the template: a 240-bed board is 240 of each."""

    slots: SafeString  # each card's HTML in its slot, in board order
    held: SafeString  # the poll's "have" fields: each card and its version
    order: str  # the card ids in board order

    @classmethod
    def of(cls, cards: list[DrawnCard]) -> "BoardMarkup":
        # Plain formatting: an id is an int, a version a hex digest and a
        # card's HTML was escaped when its template drew it.
        return cls(
            slots=mark_safe(
                "".join(f'<div class="card-slot" id="slot-{c.pk:d}">{c.html}</div>' for c in cards)
            ),
            held=mark_safe(
                "".join(
                    f'<input type="hidden" name="have" value="{c.pk:d}:{c.version}">' for c in cards
                )
            ),
            order=",".join(f"{c.pk:d}" for c in cards),
        )
