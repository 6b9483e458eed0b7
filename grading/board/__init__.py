"""The unit board: its reading (queries), its card (what one patient's card
says), its drawing (the sparkline) and the cards drawn and kept (rendered)."""

from .card import Card, Rise, ago, rises
from .drawing import Sparkline, sparkline
from .reading import BoardState, board_cards, board_state, board_version

__all__ = [
    "BoardState",
    "Card",
    "Rise",
    "Sparkline",
    "ago",
    "board_cards",
    "board_state",
    "board_version",
    "rises",
    "sparkline",
]
