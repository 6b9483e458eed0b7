"""`make bench`: a large CAR-T unit in a database of its own, and how fast the
board, a patient's pages and the board's idle poll answer it."""
