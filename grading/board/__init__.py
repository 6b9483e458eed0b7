"""The unit board: its reading (queries), its card (what one patient's card
says), its drawing (the sparkline) and the cards drawn and kept (rendered)."""

from .card import Card, Rise, rises
from .drawing import Series, Sparkline, series, sparkline
from .reading import BoardState, board_cards, board_state, board_version

__all__ = [
    "BoardState",
    "Card",
    "Rise",
    "Series",
    "Sparkline",
    "board_cards",
    "board_state",
    "board_version",
    "rises",
    "series",
    "sparkline",
]
