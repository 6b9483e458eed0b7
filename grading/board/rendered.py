"""Cards drawn once and kept: the board's HTML per card, in the Django cache.

A card is kept under its row of the board state (everything it shows that can
change), the grades this user last saw, whether the ward's name shows, and the
minute, because ages and badges move with the clock. Within the minute, a card
whose due or late state flips (`Card.turns_at`) is drawn again from that
moment on: a kept card never looks calmer than the rules say. A poll that
finds one changed card draws one card; a board whose cards are all kept costs
the state query and one cache read.
"""

import hashlib
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from math import ceil

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from .card import Card
from .reading import BoardState, board_cards

logger = logging.getLogger(__name__)

CARD_TEMPLATE = "grading/board.html#card"
# Keys carry the minute, so an entry is never asked for after the next one.
KEEP_SECONDS = 120
# Part of every key: change it when the card template or its facts change shape,
# so that no server draws an old card during a deployment.
KEY_VERSION = "card-2"


@dataclass(frozen=True)
class DrawnCard:
    """A card as HTML with the few facts the board sorts and counts by."""

    pk: int
    html: SafeString
    version: str  # changes with anything the card shows (the poll's "have")
    sort_key: tuple
    acuity: int | None
    rising: bool
    open_prompts: int
    overdue: bool
    turns_at: datetime | None

    def fresh(self, now: datetime) -> bool:
        return self.turns_at is None or now < self.turns_at


def card_key(row: tuple, all_wards: bool, now: datetime) -> str:
    minute = now.replace(second=0, microsecond=0)
    state = repr((KEY_VERSION, row, all_wards, minute))
    return "board-card:" + hashlib.blake2b(state.encode(), digest_size=16).hexdigest()


def draw(card: Card, all_wards: bool) -> DrawnCard:
    html = get_template(CARD_TEMPLATE).render({"card": card, "all_wards": all_wards})
    return DrawnCard(
        pk=card.episode.pk,
        html=mark_safe(html),
        version=hashlib.blake2b(html.encode(), digest_size=6).hexdigest(),
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
    keys = {pk: card_key(row, all_wards, now) for pk, row in state.rows.items()}
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
        _keep({keys[card.episode.pk]: asdict(drawn[card.episode.pk]) for card in built})
    return sorted(drawn.values(), key=lambda card: card.sort_key)


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
