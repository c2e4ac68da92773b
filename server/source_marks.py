"""Cutting a source text into non-overlapping segments for highlighting its cited passages.

Passages may nest or overlap (a whole conclusion and the erratum inside it, a date line
and the dates in it), and HTML <mark> elements must not overlap. So the text is cut at
every passage's start and end; each segment knows every passage that covers it, the
passages whose anchor belongs at its start, and the passages that end with it.
Offsets are Unicode code points, as the TextPositionSelectors count them and as Python
indexes a str.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Iterable, Sequence


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    key: Hashable  # whatever identifies the passage to the caller

    @property
    def anchor(self) -> str:
        """The HTML id of the passage's place: char-START-END."""
        return anchor_id(self.start, self.end)


def anchor_id(start: int, end: int) -> str:
    return f"char-{start}-{end}"


@dataclass
class Segment:
    start: int
    end: int
    text: str
    covering: list[Span] = field(default_factory=list)   # outermost first
    starting: list[Span] = field(default_factory=list)   # anchors placed at this segment
    ending: list[Span] = field(default_factory=list)     # innermost first

    @property
    def marked(self) -> bool:
        return bool(self.covering)

    @property
    def depth(self) -> int:
        return len(self.covering)


def segments(text: str, spans: Iterable[Span]) -> list[Segment]:
    """The text cut at every span boundary, in order. Spans that select nothing (empty,
    or outside the text) are dropped: there is nothing of the text to mark for them."""
    kept = sorted({s for s in spans if 0 <= s.start < s.end <= len(text)},
                  key=lambda s: (s.start, -s.end, str(s.key)))
    cuts = sorted({0, len(text), *(s.start for s in kept), *(s.end for s in kept)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        out.append(Segment(
            a, b, text[a:b],
            covering=[s for s in kept if s.start <= a and b <= s.end],
            starting=[s for s in kept if s.start == a],
            ending=sorted((s for s in kept if s.end == b), key=lambda s: (s.end - s.start, s.start))))
    return out


def covering_keys(segment: Segment) -> Sequence[Hashable]:
    return [s.key for s in segment.covering]
