"""Layout arithmetic for the "at a glance" charts: small pure functions from data to marks.

Nothing here knows about RDF, Flask or markup. Each function takes plain values (dates,
counts, labels, sizes) and returns numbers, colours or path data that a template draws as
SVG. Coordinates are SVG user units (the charts' viewBox), rounded to a tenth so the
markup stays short and the same data always gives the same drawing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def r1(value: float) -> float:
    """A coordinate rounded to a tenth of a unit."""
    return round(value + 0.0, 1)


# --- Dates and months --------------------------------------------------------------------

def month_floor(day: dt.date) -> dt.date:
    """The first day of the day's month."""
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after the day's month."""
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def parse_year_month(text: str) -> dt.date:
    """'2005-03' as 1 March 2005; ValueError for anything that is not YYYY-MM."""
    match = YEAR_MONTH.match(str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"not a year and month (YYYY-MM): {text!r}")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


@dataclass(frozen=True)
class Span:
    """A horizontal extent: where a mark starts and how wide it is."""
    x: float
    width: float

    @property
    def end(self) -> float:
        return r1(self.x + self.width)


@dataclass(frozen=True)
class TimeScale:
    """Days onto x: `start` (a first of the month) at x0, `end` (the first of the month
    after the last day shown) at x1; each day is a slot of equal width."""
    start: dt.date
    end: dt.date
    x0: float
    x1: float

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def day_width(self) -> float:
        return (self.x1 - self.x0) / self.days

    def x(self, day: dt.date) -> float:
        """Where the day begins."""
        return r1(self.x0 + (day - self.start).days * self.day_width)

    def x_mid(self, day: dt.date) -> float:
        """The middle of the day's slot: where a mark for something on that day goes."""
        return r1(self.x0 + ((day - self.start).days + 0.5) * self.day_width)

    def days_span(self, first: dt.date, last: dt.date, min_width: float = 0.0) -> Span:
        """From the start of `first` to the end of `last` (both days included), widened
        about its middle to at least `min_width` so that a one-day visit still shows."""
        if last < first:
            raise ValueError(f"a span cannot end ({last}) before it starts ({first})")
        left = self.x0 + (first - self.start).days * self.day_width
        right = self.x0 + ((last - self.start).days + 1) * self.day_width
        if right - left < min_width:
            middle = (left + right) / 2
            left, right = middle - min_width / 2, middle + min_width / 2
        return Span(r1(left), r1(right - left))

    def month_span(self, month: dt.date) -> Span:
        """The whole of the month that `month` falls in."""
        first = month_floor(month)
        return self.days_span(first, next_month(first) - dt.timedelta(days=1))


def time_scale(days: Iterable[dt.date], x0: float, x1: float) -> TimeScale:
    """A scale over whole months, from the month of the earliest day to the month of the
    latest, drawn from x0 to x1."""
    days = list(days)
    if not days:
        raise ValueError("a time scale needs at least one day")
    if x1 <= x0:
        raise ValueError("a time scale needs x1 > x0")
    return TimeScale(month_floor(min(days)), next_month(max(days)), float(x0), float(x1))


@dataclass(frozen=True)
class Tick:
    """One month on the axis: its first day, where it starts and ends, its short name,
    and the year where a year starts (January, or the first month shown)."""
    day: dt.date
    x: float
    x_end: float
    label: str
    year: str | None

    @property
    def middle(self) -> float:
        return r1((self.x + self.x_end) / 2)


def month_ticks(scale: TimeScale) -> list[Tick]:
    ticks: list[Tick] = []
    month = scale.start
    while month < scale.end:
        following = next_month(month)
        first = not ticks
        ticks.append(Tick(month, scale.x(month), scale.x(following),
                          MONTH_ABBREVIATIONS[month.month - 1],
                          str(month.year) if first or month.month == 1 else None))
        month = following
    return ticks


# --- Rows, grids and flowing items -------------------------------------------------------

@dataclass(frozen=True)
class Band:
    """A horizontal row of a chart: its top, height and middle."""
    top: float
    height: float

    @property
    def middle(self) -> float:
        return r1(self.top + self.height / 2)

    @property
    def bottom(self) -> float:
        return r1(self.top + self.height)


def stack(heights: Sequence[float], top: float = 0.0, gap: float = 0.0) -> list[Band]:
    """Rows of the given heights one below another, `gap` apart, from `top`."""
    bands, y = [], float(top)
    for height in heights:
        bands.append(Band(r1(y), r1(height)))
        y += height + gap
    return bands


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    x: float
    y: float
    width: float
    height: float


def grid(count: int, columns: int, width: float, height: float, gap_x: float = 0.0,
         gap_y: float = 0.0, left: float = 0.0, top: float = 0.0) -> list[Cell]:
    """`count` cells of one size, filled row by row, `columns` to a row."""
    if columns < 1:
        raise ValueError("a grid needs at least one column")
    return [Cell(i // columns, i % columns,
                 r1(left + (i % columns) * (width + gap_x)), r1(top + (i // columns) * (height + gap_y)),
                 r1(width), r1(height))
            for i in range(count)]


def grid_size(count: int, columns: int, width: float, height: float,
              gap_x: float = 0.0, gap_y: float = 0.0) -> tuple[float, float]:
    """The width and height a grid of `count` cells takes (no margins)."""
    if count <= 0:
        return 0.0, 0.0
    used_columns = min(count, columns)
    rows = -(-count // columns)
    return (r1(used_columns * width + (used_columns - 1) * gap_x),
            r1(rows * height + (rows - 1) * gap_y))


def flow(widths: Sequence[float], max_width: float, gap: float = 0.0,
         line_height: float = 0.0, left: float = 0.0, top: float = 0.0) -> list[tuple[float, float]]:
    """Where items of the given widths go when laid out left to right, wrapping onto a
    new line before an item that would pass `max_width`: (x, y) of each."""
    placed, x, y = [], 0.0, 0.0
    for width in widths:
        if x > 0 and x + width > max_width:
            x, y = 0.0, y + line_height
        placed.append((r1(left + x), r1(top + y)))
        x += width + gap
    return placed


def flow_lines(widths: Sequence[float], max_width: float, gap: float = 0.0) -> int:
    """How many lines `flow` needs for these widths."""
    positions = flow(widths, max_width, gap, line_height=1.0)
    return int(positions[-1][1]) + 1 if positions else 0


# --- Text --------------------------------------------------------------------------------

NARROW = set("iIjlft.,:;'!|()[] ’")
WIDE = set("mwMW@")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """An estimate of how wide a line of text is in a system sans-serif at `size` units,
    on the generous side (DejaVu Sans, a wide face, is a common fallback): enough to leave
    room for labels, not a measurement."""
    units = 0.0
    for char in str(text):
        if char in NARROW:
            units += 0.34
        elif char in WIDE:
            units += 0.92
        elif char.isupper() or char.isdigit():
            units += 0.7
        else:
            units += 0.61
    return r1(units * size * (1.08 if bold else 1.0))


def wrap(text: str, max_chars: int) -> list[str]:
    """Words into lines of at most `max_chars` characters (a longer word gets a line)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def wrap_to_width(text: str, max_width: float, size: float, bold: bool = False) -> list[str]:
    """Words into lines no wider than `max_width` by text_width (a wider word gets a line)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= max_width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


# --- Marks -------------------------------------------------------------------------------

def number(value: float) -> str:
    """A coordinate as path data writes it: to a tenth, without a trailing .0."""
    return f"{r1(value):g}"


def diamond(x: float, y: float, radius: float) -> str:
    """SVG path data of a diamond centred on (x, y)."""
    n = number
    return f"M{n(x)} {n(y - radius)} L{n(x + radius)} {n(y)} L{n(x)} {n(y + radius)} L{n(x - radius)} {n(y)} Z"


def triangle(x: float, y: float, radius: float) -> str:
    """SVG path data of an upward triangle centred on (x, y)."""
    n = number
    return (f"M{n(x)} {n(y - radius)} L{n(x + radius)} {n(y + radius * 0.8)} "
            f"L{n(x - radius)} {n(y + radius * 0.8)} Z")


# --- Colour ------------------------------------------------------------------------------

def hex_rgb(colour: str) -> tuple[int, int, int]:
    text = colour.lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", text):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def rgb_hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def mix(a: str, b: str, t: float) -> str:
    """The colour `t` of the way from `a` to `b` (0 is a, 1 is b)."""
    t = max(0.0, min(1.0, t))
    return rgb_hex([ca + (cb - ca) * t for ca, cb in zip(hex_rgb(a), hex_rgb(b))])


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(c) for c in hex_rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


DARK_INK = "#1b1b1b"
LIGHT_INK = "#ffffff"
MUTED_INK = "#505a5f"   # 7:1 on white: for a count of nothing


def ink_on(fill: str) -> str:
    """The text colour, dark or white, that reads better on `fill`."""
    return DARK_INK if contrast(fill, DARK_INK) >= contrast(fill, LIGHT_INK) else LIGHT_INK


@dataclass(frozen=True)
class Shade:
    level: int      # 0 for none, else 1..maximum
    fill: str
    ink: str        # the colour of text drawn on the fill


HEAT_EMPTY = "#ffffff"
HEAT_LIGHT = "#c6d8ef"
HEAT_DARK = "#1d4f91"


def shade(count: int, maximum: int, light: str = HEAT_LIGHT, dark: str = HEAT_DARK,
          empty: str = HEAT_EMPTY) -> Shade:
    """A heat-map cell's colour: white for none, then from `light` (one) to `dark` (the
    maximum), evenly by count; with the ink that reads on it."""
    if count <= 0:
        return Shade(0, empty, MUTED_INK if contrast(empty, MUTED_INK) >= 4.5 else ink_on(empty))
    maximum = max(maximum, count, 1)
    fill = dark if maximum == 1 else mix(light, dark, (count - 1) / (maximum - 1))
    return Shade(count, fill, ink_on(fill))


# The programme's years, in order, each a hue: a done inspection is filled with the
# year's colour, one arranged or planned with a paler tint of it and a dashed edge.
YEAR_HUES = ("#0b6a36", "#1d4f91", "#8a3b00", "#4c2c92", "#006d75", "#6b4e16")
NOT_SCHEDULED = "#ffffff"
NOT_SCHEDULED_EDGE = "#505a5f"


@dataclass(frozen=True)
class TileStyle:
    fill: str
    edge: str
    ink: str
    dashed: bool


def programme_style(year_index: int | None, done: bool) -> TileStyle:
    """How a unit's tile is coloured: by the programme year it is (to be) inspected in,
    solid once done; `year_index` None for a unit with no inspection scheduled."""
    if year_index is None:
        return TileStyle(NOT_SCHEDULED, NOT_SCHEDULED_EDGE, ink_on(NOT_SCHEDULED), True)
    hue = YEAR_HUES[year_index % len(YEAR_HUES)]
    fill = mix("#ffffff", hue, 0.38 if done else 0.14)
    return TileStyle(fill, hue, ink_on(fill), not done)
