"""The charts of recently graded episodes, kept in this process between regrades.

A regrade reads the whole stay (snapshot.py says why). On a four-week stay,
turning a thousand rows into the rules' entries costs more than everything
else a regrade does, and a worker regrades the same patients again and
again with a few rows added or struck out in between. So each episode's
entries are kept here and brought up to date with one query for the ids of
its valid rows (and the lab catalogue's limits), then one query per table
for the rows it has not seen. A row struck out is dropped; a row added late,
under any id, is read. The snapshot is built from the entries the loader
builds, in the loader's order, so it is the snapshot episode_snapshot reads
(tests/grading/test_chart_cache.py).

Chart rows are never edited (a correction strikes the row out and charts a
new one), which is what makes an id enough to know a row.
"""

import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from patients.models import Episode, LabTest

from .rules import Snapshot
from .snapshot import ENTRY_SOURCES, snapshot_of

# Episodes kept per process: a ward or two for each worker process.
KEPT_EPISODES = 64


@dataclass(frozen=True)
class KeptTable:
    ids: frozenset[int]
    entries: tuple  # the rules' entries, in chart order (time, then id)
    times: tuple[datetime, ...]  # each entry's time, for cutting at a moment

    def upto(self, at: datetime) -> tuple:
        return self.entries[: bisect_right(self.times, at)]


@dataclass(frozen=True)
class KeptChart:
    # Another episode saved under a reused id (a database restored or
    # flushed) has other times: the chart kept is then not its chart.
    episode_times: tuple[datetime, datetime]
    lab_limits: dict
    tables: dict[str, KeptTable]


def _pk(entry) -> int:
    return int(entry.ref.rpartition(":")[2])


def _table(model, entries_of, ids: frozenset[int], kept: KeptTable | None) -> KeptTable:
    if kept is not None and kept.ids == ids:
        return kept
    known = kept.ids & ids if kept is not None else frozenset()
    entries = [e for e in kept.entries if _pk(e) in known] if kept is not None else []
    added = ids - known
    if added:
        entries += entries_of(model.objects.filter(pk__in=added).order_by("observed_at", "pk"))
        entries.sort(key=lambda e: (e.at, _pk(e)))
    return KeptTable(ids, tuple(entries), tuple(e.at for e in entries))


class ChartCache:
    def __init__(self, size: int = KEPT_EPISODES):
        self.size = size
        self._charts: OrderedDict[int, KeptChart] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._charts.clear()

    def snapshot(self, episode: Episode, at: datetime) -> Snapshot:
        """episode_snapshot(episode, at), from the entries kept since the last look."""
        ids = _valid_ids(episode)
        limits = dict(LabTest.objects.values_list("pk", "upper_limit"))
        times = (episode.admitted_at, episode.infusion_at)
        with self._lock:
            kept = self._charts.get(episode.pk)
        if kept is not None and (kept.episode_times != times or kept.lab_limits != limits):
            kept = None  # labs carry their test's upper limit: read them all again
        tables = {
            kind: _table(model, entries_of, ids[kind], kept.tables[kind] if kept else None)
            for kind, (model, entries_of) in ENTRY_SOURCES.items()
        }
        with self._lock:
            self._charts[episode.pk] = KeptChart(times, limits, tables)
            self._charts.move_to_end(episode.pk)
            while len(self._charts) > self.size:
                self._charts.popitem(last=False)
        return snapshot_of(episode, at, {kind: table.upto(at) for kind, table in tables.items()})


def _valid_ids_sql() -> str:
    # Written out once: the ORM takes longer to build this union of six
    # queries than PostgreSQL takes to answer it.
    return " UNION ALL ".join(
        f"SELECT {index}, id FROM {model._meta.db_table}"
        " WHERE episode_id = %(episode)s AND entered_in_error_at IS NULL"
        for index, (model, _) in enumerate(ENTRY_SOURCES.values())
    )


VALID_IDS_SQL = _valid_ids_sql()


def _valid_ids(episode: Episode) -> dict[str, frozenset[int]]:
    """The ids of the episode's valid rows, table by table, in one query."""
    kinds = list(ENTRY_SOURCES)
    found: list[set[int]] = [set() for _ in kinds]
    with connection.cursor() as cursor:
        cursor.execute(VALID_IDS_SQL, {"episode": episode.pk})
        for index, pk in cursor.fetchall():
            found[index].add(pk)
    return {kind: frozenset(pks) for kind, pks in zip(kinds, found, strict=True)}


CHARTS = ChartCache()
