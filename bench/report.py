"""The issue's table (issue 12, "Hospital scale"): each row's figure, its
target and whether it is met, after the detailed timings."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    what: str
    figure: str
    target: str
    met: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return {True: "met", False: "NOT MET", None: "not run"}[self.met]


def ratio_row(what: str, numerator: float, denominator: float, limit: float) -> Row:
    ratio = numerator / denominator
    return Row(
        what,
        f"{ratio:.2f}x ({numerator:.1f} / {denominator:.1f} ms)",
        f"<= {limit:g}x",
        ratio <= limit,
    )


def not_run(what: str, target: str, why: str) -> Row:
    return Row(what, f"({why})", target, None)


def targets_table(rows: list[Row]) -> str:
    width = max(len(row.what) for row in rows)
    figure = max(len(row.figure) for row in rows)
    target = max(len(row.target) for row in rows)
    header = f"{'what':<{width}}  {'figure':<{figure}}  {'target':<{target}}  result"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.what:<{width}}  {row.figure:<{figure}}  {row.target:<{target}}  {row.verdict}"
        )
    return "\n".join(lines)
