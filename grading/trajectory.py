"""The patient's trajectory as Plotly figures, built on the server.

Two figures share one time axis (ward local time, since the infusion): the
grades with what drives them (temperature, pressure, oxygen, vasopressors,
doses), and the labs. The page draws them from JSON; nothing here renders.

The panels of each figure are laid out once by make_subplots and kept; each
request adds its traces (graph_objects, so a wrong attribute fails loudly),
lines and labels to a copy. Figure methods such as add_hline re-validate the
whole layout on every call and cost a second for one page.
"""

import copy
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from math import ceil
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from clinical import labs as lab_catalogue
from clinical.vocabulary import DRUGS, LABS, OXYGEN_DEVICES, VASOPRESSORS
from patients.models import Episode, LabTest

from .models import Assessment
from .rules import Snapshot
from .rules.circulation import systolic_floor
from .rules.fever import FEVER_FROM_C
from .rules.safety_prompts import ANC_BELOW, PLATELETS_BELOW, TRANSAMINASE_ULN_MULTIPLE
from .rules.steroids import CORTICOSTEROIDS
from .rules.tocilizumab import TOCILIZUMAB
from .snapshot import chart_between
from .templatetags.grades import GRADE_WORDS

# The stretches the page loads; None: the whole stay. Three days by default:
# CRS usually turns within them, and a long stay stays quick to load.
WINDOWS = {"24h": timedelta(hours=24), "72h": timedelta(hours=72), "episode": None}
DEFAULT_WINDOW = "72h"
# Room to read the latest point and the infusion line at the edges.
MARGIN_BEFORE = timedelta(hours=2)
MARGIN_AFTER = timedelta(hours=1)

# Colour-blind-safe; every trace also has a name and a dash or a symbol.
CRS_COLOUR, ICANS_COLOUR = "#b2182b", "#5e3c99"
SYSTOLIC_COLOUR, MAP_COLOUR, OXYGEN_COLOUR = "#2166ac", "#35978f", "#4393c3"
THRESHOLD_COLOUR = "#b35806"
INK, MUTED, GRID = "#1b1f24", "#5b6470", "#e3e6ea"
VASOPRESSOR_COLOURS = {
    "norepinephrine": "#8c2d04",
    "epinephrine": "#d95f0e",
    "vasopressin": "#3f007d",
    "phenylephrine": "#807dba",
    "dopamine": "#fe9929",
    "angiotensin_ii": "#525252",
}
DOSE_ROWS = ("Other drug", "Steroid", "Tocilizumab")
DOSE_STYLE = {
    "Tocilizumab": ("triangle-up", "#1b7837"),
    "Steroid": ("diamond", "#762a83"),
    "Other drug": ("circle", "#4d4d4d"),
}
LAB_PANELS = (("crp",), ("ferritin",), ("fibrinogen",), ("anc",), ("platelets",), ("alt", "ast"))
LAB_NAMES = {code: name for code, name, _unit, _loinc, _uln in LABS}
LAB_ULN = {code: uln for code, _name, _unit, _loinc, uln in LABS}
DEVICE_NAMES = dict(OXYGEN_DEVICES)
DRUG_NAMES = dict(DRUGS)
VASOPRESSOR_NAMES = dict(VASOPRESSORS)
# Fixed, not grown to fit the tick labels, so both figures' plots line up.
MARGIN = {"l": 140, "r": 70, "t": 64, "b": 96}
FONT = "system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif"

# Vitals figure panels: (title, secondary y axis).
VITALS_PANELS = (
    ("CRS and ICANS grade", False),
    ("Temperature (°C)", False),
    ("Blood pressure (mmHg)", False),
    ("SpO₂ (%) and oxygen support (band, L/min)", True),
    ("Vasopressors running", False),
    ("Doses given", False),
)
GRADES, TEMPERATURE, PRESSURE, OXYGEN, PRESSORS, DOSES = range(1, 7)


@dataclass(frozen=True)
class Clock:
    """Writes instants as ward-local wall time, which Plotly shows as given."""

    zone: ZoneInfo

    def __call__(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Panel:
    """Where a trace goes: its axis references in the figure."""

    x: str  # "x4"
    y: str  # "y5"

    @property
    def x_axis(self) -> str:
        return "xaxis" + self.x[1:]

    @property
    def y_axis(self) -> str:
        return "yaxis" + self.y[1:]


@dataclass
class Figure:
    """A copy of a laid-out skeleton, filled in per request; `.json()` for the page."""

    layout: dict
    panels: dict  # row (or (row, "secondary")) -> Panel
    data: list

    def add(self, trace: go.Scatter | go.Bar, row: int, secondary: bool = False) -> None:
        panel = self.panels[(row, "secondary") if secondary else row]
        self.data.append(trace.to_plotly_json() | {"xaxis": panel.x, "yaxis": panel.y})

    def axis(self, row: int, secondary: bool = False, **settings) -> None:
        panel = self.panels[(row, "secondary") if secondary else row]
        self.layout[panel.y_axis].update(settings)

    def threshold(self, row: int, value: float, words: str, colour: str, *, left=False) -> None:
        """A horizontal line across one panel, labelled at its end."""
        panel = self.panels[row]
        self.layout["shapes"].append(
            {
                "type": "line",
                "xref": f"{panel.x} domain",
                "x0": 0,
                "x1": 1,
                "yref": panel.y,
                "y0": value,
                "y1": value,
                "line": {"color": colour, "dash": "dash", "width": 1.5},
            }
        )
        self.layout["annotations"].append(
            {
                "xref": f"{panel.x} domain",
                "x": 0 if left else 1,
                "xanchor": "left" if left else "right",
                "yref": panel.y,
                "y": value,
                "yanchor": "bottom",
                "text": words,
                "showarrow": False,
                "font": {"color": colour, "size": 12},
            }
        )

    def note(self, row: int, words: str) -> None:
        panel = self.panels[row]
        self.layout["annotations"].append(
            {
                "xref": f"{panel.x} domain",
                "yref": f"{panel.y} domain",
                "x": 0.5,
                "y": 0.5,
                "text": words,
                "showarrow": False,
                "font": {"color": MUTED},
            }
        )

    def json(self) -> dict:
        return {"data": self.data, "layout": self.layout}


@dataclass(frozen=True)
class Window:
    """The stretch of the stay the page loads: a day, three days or all of it,
    ending now or earlier (the links step back and forth by its length)."""

    name: str  # a WINDOWS key
    start: datetime  # the first moment drawn
    end: datetime  # the last: now, or the end asked for
    now: datetime
    first: datetime  # the earliest moment there is to show

    @property
    def earlier(self) -> datetime | None:
        """Where the window before this one ends; None when this one reaches the infusion."""
        return self.start if self.start > self.first else None

    @property
    def later(self) -> datetime | None:
        """Where the window after this one ends; None when this one ends now."""
        if self.end >= self.now:
            return None
        span = WINDOWS[self.name]
        return min(self.end + span, self.now)

    @property
    def reaches_now(self) -> bool:
        return self.end >= self.now


def window(episode: Episode, now: datetime, name: str = "", until: datetime | None = None):
    """The window asked for, kept within the stay; an unknown name is the default."""
    first = episode.infusion_at - MARGIN_BEFORE
    name = name if name in WINDOWS else DEFAULT_WINDOW
    span = WINDOWS[name]
    if span is None:
        return Window(name, first, now, now, first)
    end = now if until is None else min(max(until, episode.infusion_at), now)
    return Window(name, max(first, end - span), end, now, first)


def grade_history(episode: Episode, shown: Window) -> list[Assessment]:
    """The assessment in force when the window opens, then every one within it."""
    fields = (
        "episode",
        "evaluated_at",
        "crs_grade",
        "icans_grade",
        "acuity",
        "crs_reasons",
        "icans_reasons",
    )
    in_force = (
        episode.assessments.filter(evaluated_at__lte=shown.start)
        .order_by("-evaluated_at", "-pk")
        .only(*fields)[:1]
    )
    within = (
        episode.assessments.filter(evaluated_at__gt=shown.start, evaluated_at__lte=shown.end)
        .order_by("evaluated_at", "pk")
        # The episode too: the related manager sets it on every row.
        .only(*fields)
    )
    return [*in_force, *within]


def trajectory(
    episode: Episode,
    now: datetime,
    shown: Window | None = None,
    assessments: list[Assessment] | None = None,
) -> dict:
    """Everything the trajectory page draws for one window of the stay (the
    default: the last 72 h), as JSON-ready data. Only that window's rows are
    read, so a month's stay costs what three days cost."""
    shown = shown or window(episode, now)
    start, end = shown.start, shown.end
    snapshot = chart_between(episode, start, end)
    if assessments is None:
        assessments = grade_history(episode, shown)
    clock = Clock(episode.patient.ward.tzinfo)
    shown_range = [clock(start), clock(end + MARGIN_AFTER)]

    vitals = _from_skeleton(_vitals_skeleton())
    _grades(vitals, assessments, end, clock)
    _temperature(vitals, snapshot, clock)
    _pressure(vitals, snapshot, clock)
    _oxygen(vitals, snapshot, end, clock)
    _vasopressors(vitals, snapshot, end, clock)
    _doses(vitals, snapshot, clock)

    # Drawn in the units the ward reads (clinical-rules.md section 11).
    ward = episode.patient.ward
    limits = {test.code: test.limits(ward) for test in LabTest.objects.all()}
    labs = _from_skeleton(_labs_skeleton(ward.lab_units))
    _labs(labs, snapshot, clock, ward.lab_units, limits)

    for figure in (vitals, labs):
        _mark_days(figure, episode, end, clock)
        for name, settings in figure.layout.items():
            if name.startswith("xaxis"):
                settings["range"] = shown_range
    return {"range": shown_range, "vitals": vitals.json(), "labs": labs.json()}


# Skeletons: the panels and the look, laid out once per process ----------------


def _skeleton(titles: Iterable[str], secondary: tuple[bool, ...], heights, height: int) -> tuple:
    rows = len(secondary)
    plot_height = height - MARGIN["t"] - MARGIN["b"]
    figure = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.035,
        row_heights=heights,
        specs=[[{"secondary_y": extra}] for extra in secondary],
        subplot_titles=tuple(titles),
    )
    panels = {}
    for row, extra in enumerate(secondary, start=1):
        subplot = figure.get_subplot(row, 1)
        panels[row] = Panel(
            "x" + subplot.xaxis.plotly_name[5:], "y" + subplot.yaxis.plotly_name[5:]
        )
        if extra:
            right = figure.get_subplot(row, 1, secondary_y=True)
            panels[(row, "secondary")] = Panel(panels[row].x, "y" + right.yaxis.plotly_name[5:])
    figure.update_layout(
        height=height,
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": INK},
        hovermode="x unified",
        hoverlabel={"font": {"family": FONT, "size": 13}},
        margin=MARGIN,
        # Under the two-line time labels of the bottom panel.
        legend={"orientation": "h", "y": -52 / plot_height, "x": 0, "yanchor": "top"},
        barmode="stack",
        bargap=0,
    )
    # Typed, not guessed from the data: an episode with nothing charted yet
    # still has a time axis for the infusion line.
    figure.update_xaxes(
        type="date", showgrid=True, gridcolor=GRID, tickformat="%d %b\n%H:%M", showspikes=True
    )
    figure.update_yaxes(gridcolor=GRID, zeroline=False, automargin=False)
    # Panel titles read like headings, flush left.
    figure.update_annotations(x=0, xanchor="left", font={"size": 14, "color": INK})
    layout = figure.to_plotly_json()["layout"]
    layout.setdefault("shapes", [])
    return layout, panels


@cache
def _vitals_skeleton() -> tuple:
    layout, panels = _skeleton(
        (title for title, _ in VITALS_PANELS),
        tuple(extra for _, extra in VITALS_PANELS),
        heights=[0.2, 0.16, 0.19, 0.19, 0.12, 0.14],
        height=980,
    )
    grades = layout[panels[GRADES].y_axis]
    grades.update(
        range=[-0.3, 4.4],
        tickvals=list(range(5)),
        ticktext=[f"{grade} {GRADE_WORDS[grade]}" for grade in range(5)],
        fixedrange=True,
    )
    layout[panels[PRESSURE].y_axis].update(range=[30, 180])
    layout[panels[OXYGEN].y_axis].update(range=[70, 101])
    layout[panels[(OXYGEN, "secondary")].y_axis].update(
        showgrid=False, title={"text": "O₂ L/min", "font": {"size": 12, "color": OXYGEN_COLOUR}}
    )
    layout[panels[PRESSORS].y_axis].update(dtick=1, title={"text": "n", "font": {"size": 12}})
    layout[panels[DOSES].y_axis].update(
        type="category", categoryorder="array", categoryarray=list(DOSE_ROWS), range=[-0.6, 2.6]
    )
    return layout, panels


@cache
def _labs_skeleton(system: str) -> tuple:
    titles = [
        " and ".join(LAB_NAMES[code] for code in codes)
        + f" ({lab_catalogue.BY_CODE[codes[0]].unit_words(system)})"
        for codes in LAB_PANELS
    ]
    vitals_layout, _ = _vitals_skeleton()
    layout, panels = _skeleton(titles, (False,) * len(LAB_PANELS), heights=None, height=860)
    # Lab values are never negative: each axis starts at zero...
    for row in panels:
        layout[panels[row].y_axis].update(rangemode="tozero")
    # ...but ferritin spans decades; ticks at round values, not every digit.
    ferritin_ticks = [100, 300, 1000, 3000, 10_000, 30_000, 100_000]
    layout[panels[2].y_axis].update(
        type="log", tickvals=ferritin_ticks, ticktext=[f"{tick:,}" for tick in ferritin_ticks]
    )
    # Same plot width as the vitals figure (whose right axis takes room), so
    # one moment sits at the same place on both.
    for name, settings in layout.items():
        if name.startswith("xaxis"):
            settings["domain"] = vitals_layout["xaxis"]["domain"]
    return layout, panels


def _from_skeleton(skeleton: tuple) -> Figure:
    layout, panels = skeleton
    figure = Figure(layout=copy.deepcopy(layout), panels=panels, data=[])
    # Plotly draws only the panels a trace refers to: an empty one keeps a
    # panel (and its "nothing charted" note) on the page.
    for row in (key for key in panels if isinstance(key, int)):
        figure.add(go.Scatter(x=[], y=[], showlegend=False, hoverinfo="skip"), row)
    return figure


# The vitals figure -----------------------------------------------------------


def _wrap(text: str) -> str:
    return "<br>".join(textwrap.wrap(text, 72))


def _grades(figure: Figure, assessments: list[Assessment], now: datetime, clock: Clock) -> None:
    if not assessments:
        figure.note(GRADES, "not graded yet")
        return
    times = [clock(a.evaluated_at) for a in assessments] + [clock(now)]
    for kind, grade_of, reasons_of, colour, dash in (
        ("CRS", "crs_grade", "crs_reasons", CRS_COLOUR, "solid"),
        ("ICANS", "icans_grade", "icans_reasons", ICANS_COLOUR, "dash"),
    ):
        grades = [getattr(a, grade_of) for a in assessments]
        why = [
            f"<b>{kind} {getattr(a, grade_of)} {GRADE_WORDS[getattr(a, grade_of)]}</b><br>"
            + "<br>".join(_wrap(reason) for reason in getattr(a, reasons_of))
            for a in assessments
        ]
        figure.add(
            go.Scatter(
                # The last grade holds until now.
                x=times,
                y=grades + grades[-1:],
                text=why + why[-1:],
                name=kind,
                mode="lines",
                line={"shape": "hv", "color": colour, "width": 3, "dash": dash},
                hovertemplate="%{text}<extra></extra>",
            ),
            GRADES,
        )


def _temperature(figure: Figure, snapshot: Snapshot, clock: Clock) -> None:
    readings = [v for v in snapshot.vitals if v.temperature_c is not None]
    figure.add(
        go.Scatter(
            x=[clock(v.at) for v in readings],
            y=[v.temperature_c for v in readings],
            name="Temperature",
            mode="lines+markers",
            line={"color": "#d6604d", "width": 2},
            marker={"size": 5},
            hovertemplate="%{y:.1f} °C<extra>Temperature</extra>",
            showlegend=False,
        ),
        TEMPERATURE,
    )
    figure.threshold(TEMPERATURE, FEVER_FROM_C, "38.0 °C fever", CRS_COLOUR)
    values = [v.temperature_c for v in readings] or [37.0]
    figure.axis(TEMPERATURE, range=[min(35.5, min(values) - 0.3), max(40.0, max(values) + 0.3)])


def _pressure(figure: Figure, snapshot: Snapshot, clock: Clock) -> None:
    readings = [v for v in snapshot.vitals if v.has_pressure]
    times = [clock(v.at) for v in readings]
    figure.add(
        go.Scatter(
            x=times,
            y=[v.systolic for v in readings],
            name="Systolic",
            mode="lines+markers",
            line={"color": SYSTOLIC_COLOUR, "width": 2},
            marker={"size": 5},
            hovertemplate="SBP %{y:.0f}<extra></extra>",
        ),
        PRESSURE,
    )
    figure.add(
        go.Scatter(
            x=times,
            y=[None if v.map_mmhg is None else round(v.map_mmhg) for v in readings],
            name="MAP",
            mode="lines+markers",
            line={"color": MAP_COLOUR, "width": 2, "dash": "dot"},
            marker={"size": 5, "symbol": "square"},
            hovertemplate="MAP %{y:.0f}<extra></extra>",
        ),
        PRESSURE,
    )
    settings = snapshot.settings
    floor = systolic_floor(snapshot.age_years, settings)
    figure.threshold(PRESSURE, floor, f"SBP < {floor:g}: hypotension", SYSTOLIC_COLOUR)
    if snapshot.age_years >= settings.adult_hypotension_age_years:
        below = settings.adult_map_below
        figure.threshold(PRESSURE, below, f"MAP < {below:g}", MAP_COLOUR, left=True)


def _oxygen(figure: Figure, snapshot: Snapshot, now: datetime, clock: Clock) -> None:
    support = [v for v in snapshot.vitals if v.oxygen is not None]
    flows = [v.oxygen.flow_l_min or 0 for v in support]
    words = [
        DEVICE_NAMES[v.oxygen.device]
        + (f" {v.oxygen.flow_l_min:g} L/min" if v.oxygen.flow_l_min else "")
        for v in support
    ]
    if support:
        figure.add(
            go.Scatter(
                # The support charted last is still running now.
                x=[clock(v.at) for v in support] + [clock(now)],
                y=flows + flows[-1:],
                text=words + words[-1:],
                name="Oxygen (L/min)",
                mode="lines",
                line={"shape": "hv", "color": OXYGEN_COLOUR, "width": 1},
                fill="tozeroy",
                fillcolor="rgba(67, 147, 195, 0.22)",
                hovertemplate="O₂ %{text}<extra></extra>",
            ),
            OXYGEN,
            secondary=True,
        )
    readings = [v for v in snapshot.vitals if v.spo2 is not None]
    figure.add(
        go.Scatter(
            x=[clock(v.at) for v in readings],
            y=[v.spo2 for v in readings],
            name="SpO₂",
            mode="lines+markers",
            line={"color": "#053061", "width": 2},
            marker={"size": 5},
            hovertemplate="SpO₂ %{y:.0f} %<extra></extra>",
        ),
        OXYGEN,
    )
    # The band fills the lower part of the panel, under the SpO2 line.
    top = 5 * ceil(max([6.0, *flows]) * 2.5 / 5)
    figure.axis(OXYGEN, secondary=True, range=[0, top], dtick=top // 5)


def _vasopressors(figure: Figure, snapshot: Snapshot, now: datetime, clock: Clock) -> None:
    vitals = list(snapshot.vitals)
    # Each bar spans from its vitals set to the next one (or now): what ran meanwhile.
    ends = [v.at for v in vitals[1:]] + [now] if vitals else []
    running: dict[str, list[tuple]] = {}
    carried: tuple[str, ...] = ()
    for entry, end in zip(vitals, ends, strict=True):
        # A set that did not record the vasopressors keeps the last ones charted.
        if entry.vasopressors is not None:
            carried = entry.vasopressors
        for drug in carried:
            running.setdefault(drug, []).append((entry.at, end))
    for drug, spans in running.items():
        name = VASOPRESSOR_NAMES.get(drug, drug)
        figure.add(
            go.Bar(
                x=[clock(at) for at, _ in spans],
                y=[1] * len(spans),
                width=[(end - at).total_seconds() * 1000 for at, end in spans],
                offset=0,
                name=name,
                marker={"color": VASOPRESSOR_COLOURS.get(drug, "#525252"), "line": {"width": 0}},
                hovertemplate=f"{name} running<extra></extra>",
            ),
            PRESSORS,
        )
    if not running:
        figure.note(PRESSORS, "no vasopressor charted")
    most = max((len(v.vasopressors or ()) for v in vitals), default=0)
    figure.axis(PRESSORS, range=[0, max(most, 1) + 0.3])


def _dose_row(drug: str) -> str:
    if drug == TOCILIZUMAB:
        return "Tocilizumab"
    return "Steroid" if drug in CORTICOSTEROIDS else "Other drug"


def _doses(figure: Figure, snapshot: Snapshot, clock: Clock) -> None:
    for row_name in DOSE_ROWS:
        given = [m for m in snapshot.medications if _dose_row(m.drug) == row_name]
        if not given:
            continue
        symbol, colour = DOSE_STYLE[row_name]
        figure.add(
            go.Scatter(
                x=[clock(m.at) for m in given],
                y=[row_name] * len(given),
                text=[_dose_words(m.drug, m.dose_mg) for m in given],
                name=row_name,
                mode="markers",
                marker={
                    "symbol": symbol,
                    "size": 14,
                    "color": colour,
                    "line": {"width": 1, "color": "#fff"},
                },
                hovertemplate="%{text}<extra></extra>",
            ),
            DOSES,
        )
    # Tocilizumab is the decision the grades turn on: mark it across every panel.
    for dose in snapshot.medications:
        if dose.drug == TOCILIZUMAB:
            figure.layout["shapes"].append(
                _vline(clock(dose.at), DOSE_STYLE["Tocilizumab"][1], "dashdot")
            )


def _dose_words(drug: str, dose_mg: float | None) -> str:
    name = DRUG_NAMES.get(drug, drug)
    return f"{name} {dose_mg:g} mg" if dose_mg else name


# The labs figure -------------------------------------------------------------


def _labs(figure: Figure, snapshot: Snapshot, clock: Clock, system: str, limits: dict) -> None:
    results: dict[str, list] = {}
    for lab in snapshot.labs:
        results.setdefault(lab.test, []).append(lab)
    styles = {"ast": ("#2d004b", "dot", "square")}
    for row, codes in enumerate(LAB_PANELS, start=1):
        for code in codes:
            found = results.get(code, [])
            test = lab_catalogue.BY_CODE[code]
            name, unit = LAB_NAMES[code], test.unit_words(system)
            # The reference flag is written beside the point, not left to colour.
            low, high = limits.get(code, (None, None))
            flags = [lab_catalogue.flag(test, lab.value, low, high) for lab in found]
            colour, dash, symbol = styles.get(code, ("#01665e", "solid", "circle"))
            figure.add(
                go.Scatter(
                    x=[clock(lab.at) for lab in found],
                    y=[lab_catalogue.from_canonical(test, lab.value, system) for lab in found],
                    text=flags,
                    customdata=[_flag_words(flag) for flag in flags],
                    name=name,
                    mode="lines+markers+text",
                    # Below a low point, above a high one: away from the limit lines.
                    textposition=[
                        "bottom center" if flag == lab_catalogue.LOW else "top center"
                        for flag in flags
                    ],
                    textfont={"color": THRESHOLD_COLOUR, "size": 13, "weight": 700},
                    line={"color": colour, "width": 2, "dash": dash},
                    marker={"size": 6, "symbol": symbol},
                    hovertemplate=f"{name} %{{y:,.4~g}} {unit}%{{customdata}}<extra></extra>",
                    showlegend=len(codes) > 1,
                ),
                row,
            )
        if not any(results.get(code) for code in codes):
            figure.note(row, "no result charted")
            if code == "ferritin":
                figure.axis(row, range=[2, 4])  # log axis: 100 to 10,000
    # The tocilizumab label's monitoring limits (clinical-rules.md section 6),
    # drawn where there are results to read against them, in the ward's units.
    for row, code, words, limit in (
        (4, "anc", "ANC", ANC_BELOW),
        (5, "platelets", "platelets", PLATELETS_BELOW),
    ):
        if results.get(code):
            test = lab_catalogue.BY_CODE[code]
            figure.threshold(
                row,
                lab_catalogue.from_canonical(test, limit, system),
                f"{words} < {lab_catalogue.display(test, limit, system)}",
                THRESHOLD_COLOUR,
            )
    transaminases = [lab for code in ("alt", "ast") for lab in results.get(code, [])]
    if transaminases:
        uln = next((lab.uln for lab in transaminases if lab.uln), None) or LAB_ULN["alt"]
        limit = TRANSAMINASE_ULN_MULTIPLE * uln
        figure.threshold(6, limit, f"{TRANSAMINASE_ULN_MULTIPLE} × ULN", THRESHOLD_COLOUR)


def _flag_words(flag: str) -> str:
    return {lab_catalogue.LOW: " L (low)", lab_catalogue.HIGH: " H (high)"}.get(flag, "")


# Time marks ------------------------------------------------------------------


def _mark_days(figure: Figure, episode: Episode, now: datetime, clock: Clock) -> None:
    """The infusion, then each midnight named by the day after infusion that
    starts there (day 0 is the day of infusion)."""
    infusion = episode.infusion_at.astimezone(clock.zone)
    marks = [(infusion, "Infusion", INK, "solid")]
    midnight = infusion.replace(hour=0, minute=0, second=0, microsecond=0)
    day = 1
    # Aware datetimes add wall-clock days, so a DST night still lands on midnight.
    while (midnight := midnight + timedelta(days=1)) <= now:
        marks.append((midnight, f"D{day}", "#aab1ba", "dot"))
        day += 1
    for moment, words, colour, dash in marks:
        figure.layout["shapes"].append(_vline(clock(moment), colour, dash))
        figure.layout["annotations"].append(
            {
                "x": clock(moment),
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "xanchor": "left",
                "yshift": 22,  # above the first panel's title
                "text": words,
                "showarrow": False,
                "font": {"size": 12, "color": MUTED},
            }
        )


def _vline(x: str, colour: str, dash: str) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": colour, "width": 1, "dash": dash},
        "layer": "below",
    }
