"""PNG charts for the therapist report, drawn with pygame (no plotting library on the unit).

Surfaces are drawn off-screen; no window is opened (SDL's dummy video driver is enough).
``session_chart``: the exhale:inhale ratio and breathing rate of every breath over the
session, with the target, exercises, pauses, holds, cues, praise and faults, each in the
legend. ``calendar_chart``: one square per day, coloured by minutes practised against the
home target.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from feedback.cues import CORRECTIONS  # noqa: E402
from feedback.fonts import Font, save_png  # noqa: E402
from feedback.i18n import tenths_down  # noqa: E402
from feedback.report_words import (  # noqa: E402
    count,
    left_text,
    num,
    say,
    short,
)
from feedback.sessions import PRAISE as PRAISE_CUES  # noqa: E402
from feedback.view import minutes as screen_minutes  # noqa: E402

SESSION_SIZE = (800, 480)
CELL = 40
MONTH_W, MONTH_H = 7 * CELL + 24, 30 + 20 + 6 * CELL + 14
MONTHS_PER_ROW = 3
CAL_TOP, CAL_BOTTOM = 74, 44

BG = (252, 252, 250)
INK = (40, 40, 48)
GRID = (222, 222, 226)
MUTED = (120, 120, 130)
RATIO = (40, 100, 200)
RATE = (230, 130, 30)
TARGET = (40, 160, 80)
HOLD = (235, 80, 70)
CUE = (150, 70, 190)
PRAISE = (0, 150, 170)  # an open triangle: praise is no correction
FAULT = (160, 160, 160)
PAUSE = (150, 150, 165)  # the hatching over a paused span
MET, PART, NONE = (70, 170, 95), (245, 190, 70), (232, 232, 236)

_fonts: dict = {}
drawn: list[tuple[str, pygame.Rect]] = []  # every text of the last chart and where it went


def font(size: int, bold: bool = False) -> Font:
    key = (size, bold)
    if key not in _fonts:
        _fonts[key] = Font(size, bold)
    return _fonts[key]


def text(surf, s: str, pos, size=20, color=INK, anchor="topleft", bold=False) -> pygame.Rect:
    img = font(size, bold).render(s, True, color)
    rect = img.get_rect(**{anchor: pos})
    surf.blit(img, rect)
    drawn.append((s, rect))
    return rect


def _nice_step(span: float, target_ticks: int = 6) -> float:
    raw = span / max(1, target_ticks)
    for step in (0.25, 0.5, 1, 2, 5, 10, 15, 30, 60):
        if step >= raw:
            return step
    return 120.0


class _Panel:
    """A plot area mapping (minutes, value) to pixels."""

    def __init__(self, surf, rect: pygame.Rect, x_max: float, y_max: float, label: str,
                 lang: str = "en"):
        self.surf, self.rect, self.x_max, self.y_max = surf, rect, x_max, y_max
        pygame.draw.rect(surf, (255, 255, 255), rect)
        step = _nice_step(y_max, 4)
        v = 0.0
        while v <= y_max + 1e-9:
            y = self.y(v)
            pygame.draw.line(surf, GRID, (rect.left, y), (rect.right, y))
            text(surf, short(v, lang), (rect.left - 6, y), 16, MUTED, "midright")
            v += step
        self.caption = text(surf, label, (rect.left + 6, rect.top + 4), 18, MUTED)
        pygame.draw.rect(surf, MUTED, rect, 1)

    def mark(self, x: int, color) -> None:
        """A line from top to bottom at ``x`` (where an exercise starts), under the
        panel's caption, not through it."""
        top = self.rect.top
        if self.caption.left - 2 <= x <= self.caption.right + 2:
            top = self.caption.bottom + 2
        pygame.draw.line(self.surf, color, (x, top), (x, self.rect.bottom))

    def x(self, minutes: float) -> int:
        return round(self.rect.left + minutes / self.x_max * self.rect.width)

    def y(self, value: float) -> int:
        v = min(max(value, 0.0), self.y_max)
        return round(self.rect.bottom - v / self.y_max * self.rect.height)

    def band(self, m0: float, m1: float, color, alpha=70) -> None:
        x0, x1 = self.x(m0), max(self.x(m1), self.x(m0) + 2)
        band = pygame.Surface((x1 - x0, self.rect.height - 2), pygame.SRCALPHA)
        band.fill((*color, alpha))
        self.surf.blit(band, (x0, self.rect.top + 1))

    def hatch(self, m0: float, m1: float, color) -> None:
        """A paused span: diagonal hatching, unlike the solid bands of holds and faults."""
        x0, x1 = self.x(m0), max(self.x(m1), self.x(m0) + 2)
        _hatch(self.surf, pygame.Rect(x0, self.rect.top + 1, x1 - x0, self.rect.height - 2),
               color)

    def series(self, pts, color) -> None:
        pts = [(self.x(m), self.y(v)) for m, v in pts]
        for p in pts:
            pygame.draw.circle(self.surf, color, p, 3)
        smooth = _rolling_median(pts)
        if len(smooth) > 1:
            pygame.draw.lines(self.surf, color, False, smooth, 2)


def _hatch(surf, rect: pygame.Rect, color, gap: int = 7) -> None:
    """Diagonal lines (/) ``gap`` pixels apart over ``rect``, clipped to it."""
    before = surf.get_clip()
    surf.set_clip(rect.clip(before))
    for x in range(rect.left - rect.height, rect.right, gap):
        pygame.draw.line(surf, color, (x, rect.bottom), (x + rect.height, rect.top))
    surf.set_clip(before)


def _rolling_median(pts, k: int = 5):
    out = []
    for i in range(len(pts)):
        ys = sorted(p[1] for p in pts[max(0, i - k // 2): i + k // 2 + 1])
        out.append((pts[i][0], ys[len(ys) // 2]))
    return out


def _target_spans(s) -> list[tuple[float, float, float]]:
    """(from, to, target ratio) in minutes: under each paced exercise its own target; a
    session without exercises has the config's target throughout."""
    if not s.exercises:
        return [(0.0, s.span_minutes, s.ratio_target)]
    return [(e.start / 60, e.end / 60, e.ratio_target) for e in s.exercises if e.paced]


def _fit(name: str, width: int, size: int = 16) -> str:
    """``name`` cut (with an ellipsis) to ``width`` pixels; '' when not even 3 letters fit."""
    f = font(size)
    if f.size(name)[0] <= width:
        return name
    for n in range(len(name) - 1, 2, -1):
        cut = name[:n].rstrip() + "\u2026"
        if f.size(cut)[0] <= width:
            return cut
    return ""


def _exercise_labels(surf, top: _Panel, starts) -> list[pygame.Rect]:
    """Exercise names at their start lines, above the ratio panel or, when the room
    there is taken, between the panels; cut short or left out when they do not fit."""
    rows = [(top.rect.top - 3, "bottomleft"), (top.rect.bottom + 3, "topleft")]
    free = [top.rect.left, top.rect.left]  # where each row is free from
    xs = [top.x(t / 60) for t, _ in starts] + [top.rect.right]
    placed = []
    for k, (_, name) in enumerate(starts):
        x = xs[k] + 3
        w = font(16).size(name)[0]
        row = next((r for r in (0, 1) if free[r] <= x and x + w <= top.rect.right), None)
        label = name
        if row is None:  # no row has room for all of it: cut it to its own exercise
            row = 0 if free[0] <= x else 1 if free[1] <= x else None
            label = _fit(name, min(xs[k + 1], top.rect.right) - x - 4) if row is not None else ""
        if not label:
            continue
        y, anchor = rows[row]
        rect = text(surf, label, (x, y), 16, MUTED, anchor)
        free[row] = rect.right + 6
        placed.append(rect)
    return placed


@functools.lru_cache(maxsize=16)
def programme_name(key: str, lang: str) -> str:
    """A programme's name in ``lang`` from its shipped file ("Behandelkamer" for
    ``clinic``); its key when there is no such file (a clinic's own programme)."""
    from feedback.config_rules import ConfigError
    from feedback.programme import find, load_programme

    try:
        path = find(key)
        return load_programme(path, key).name(lang) if path else key
    except (ConfigError, OSError, ValueError):  # a broken programme file (or a key no file
        return key                               # can have): its key names it well enough


def session_chart(s, path: Path, lang: str = "en") -> list[pygame.Rect]:
    """One session on 800x480: ratio per breath (top) and breaths/min (bottom), its texts
    in ``lang``. Returns where the exercise names went (every text: ``drawn``)."""
    drawn.clear()
    surf = pygame.Surface(SESSION_SIZE)
    surf.fill(BG)
    title = say("chart.title", lang, id=s.id, start=f"{s.start_local:%Y-%m-%d %H:%M}",
                minutes=num(tenths_down(s.minutes), lang, 1),
                code=s.patient or say("no_code", lang),
                programme=programme_name(s.programme, lang))
    cut = (say("interrupted", lang) if s.cut_short
           else left_text(lang, "left_chart") if s.left else "")
    right = 780 - (font(20).size(cut)[0] + 12 if cut else 0)
    size = 26  # smaller for a long patient code or programme name, never off the chart
    while size > 14 and font(size, True).size(title)[0] > right - 20:
        size -= 1
    text(surf, title, (20, 12 + (26 - size) // 2), size, bold=True)
    if cut:  # (a session left is whole: not in the colour of an interruption)
        text(surf, cut, (780, 14), 20, HOLD if s.cut_short else MUTED, "topright")
    x_max = max(s.span_minutes, 0.5)
    rs = [(t / 60, e / i) for t, i, e, _ in s.breaths if i and i > 0]
    rates = [(t / 60, r) for t, _, _, r in s.breaths if r]
    spans = _target_spans(s)
    targets = list(dict.fromkeys(round(g, 2) for *_, g in spans))  # in exercise order
    y_ratio = max([3.0] + [g + 0.5 for g in targets] + [v for _, v in rs])
    y_ratio = min(y_ratio, 6.0)
    y_rate = min(40.0, max(20.0, *(v for _, v in rates))) if rates else 20.0
    # ("; " between them: in Dutch the comma is the decimal mark, "2,33, 4,14" read as one)
    said = say("chart.target", lang, values="; ".join(num(g, lang) for g in targets)) \
        if targets else say("chart.no_pacer", lang)
    top = _Panel(surf, pygame.Rect(60, 70, 720, 190), x_max, y_ratio,
                 say("chart.ratio", lang, target=said), lang)
    low = _Panel(surf, pygame.Rect(60, 290, 720, 120), x_max, y_rate, say("chart.rate", lang),
                 lang)
    for panel in (top, low):
        for p0, p1 in s.pauses:
            panel.hatch(p0 / 60, p1 / 60, PAUSE)
        for m0, m1, *_ in s.faults:
            panel.band(m0 / 60, m1 / 60, FAULT, 90)
        for h0, h1 in s.holds:
            panel.band(h0 / 60, h1 / 60, HOLD)
    for t, _ in s.ex_starts:
        x = top.x(t / 60)
        for panel in (top, low):
            panel.mark(x, MUTED)
    labels = _exercise_labels(surf, top, s.ex_starts)
    for m0, m1, target in spans:
        ty = top.y(target)
        x0, x1 = top.x(m0), min(top.x(m1), top.rect.right)
        for x in range(x0, x1, 12):
            pygame.draw.line(surf, TARGET, (x, ty), (min(x + 6, x1), ty), 2)
    top.series(rs, RATIO)
    low.series(rates, RATE)
    for t, kind in s.cues:
        if kind not in CORRECTIONS and kind not in PRAISE_CUES:
            continue  # (a belt check: no cue to the breathing, and the fault band shows it)
        x = top.x(t / 60)
        y = top.rect.bottom - 2
        _cue_mark(surf, x, y, kind in PRAISE_CUES)
    axis = text(surf, say("chart.minutes", lang), (low.rect.right, low.rect.bottom + 6), 16,
                MUTED, "topright")
    step = _nice_step(x_max)
    m = 0.0
    while m <= x_max + 1e-9:
        x = low.x(m)
        pygame.draw.line(surf, MUTED, (x, low.rect.bottom), (x, low.rect.bottom + 4))
        tick = short(m, lang)
        where = pygame.Rect((0, 0), font(16).size(tick))
        where.midtop = (x, low.rect.bottom + 6)
        if not where.inflate(8, 0).colliderect(axis):  # the axis label says it instead
            text(surf, tick, (x, low.rect.bottom + 6), 16, MUTED, "midtop")
        m += step
    _legend(surf, lang)
    save_png(surf, path)
    return labels


def _cue_mark(surf, x: int, y: int, praise: bool) -> None:
    """A cue under the ratio panel: a filled triangle; praise an open one in its colour."""
    points = [(x, y - 9), (x - 5, y), (x + 5, y)]
    if praise:
        pygame.draw.polygon(surf, PRAISE, points, 2)
    else:
        pygame.draw.polygon(surf, CUE, points)


LEGEND = ("ratio", "target", "rate", "hold", "cue", "praise", "fault", "pause")


def _legend(surf, lang: str, left: int = 60, y: int = 459) -> None:
    """What each colour and mark means, in one line under the chart: in a smaller size
    where the words of ``lang`` need it."""
    labels = [say("legend." + key, lang) for key in LEGEND]
    room = surf.get_width() - 2 * left + 20
    for size, gap in ((18, 22), (16, 16), (16, 10), (14, 10)):
        if sum(20 + font(size).size(label)[0] + gap for label in labels) <= room:
            break
    x = left
    for key, label in zip(LEGEND, labels, strict=True):
        swatch = pygame.Rect(x, y - 7, 14, 14)
        if key in ("cue", "praise"):
            _cue_mark(surf, swatch.centerx, swatch.bottom, key == "praise")
        elif key == "pause":
            pygame.draw.rect(surf, (255, 255, 255), swatch)
            _hatch(surf, swatch, PAUSE, 4)
            pygame.draw.rect(surf, PAUSE, swatch, 1)
        else:
            color = {"ratio": RATIO, "target": TARGET, "rate": RATE, "hold": HOLD,
                     "fault": FAULT}[key]
            pygame.draw.rect(surf, color, swatch)
        x = text(surf, label, (x + 20, y), size, INK, "midleft").right + gap


def calendar_size(n_months: int, min_w: int = 0) -> tuple[int, int]:
    """The calendar's size: its months, and at least ``min_w`` wide (the lines of text)."""
    rows = max(1, -(-n_months // MONTHS_PER_ROW))
    cols = min(max(1, n_months), MONTHS_PER_ROW)
    return max(20 + cols * MONTH_W, min_w), CAL_TOP + rows * MONTH_H + CAL_BOTTOM


def _months(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _day(d: dt.date, lang: str, year: bool = False) -> str:
    """'09 Oct' / '9 okt', with the year when asked."""
    month = say("cal.short", lang).split()[d.month - 1]
    s = f"{d:%d} {month}" if lang == "en" else f"{d.day} {month}"
    return f"{s} {d.year}" if year else s


def calendar_chart(patient: str, days: list[dict], path: Path,
                   lang: str = "en", at_home: bool = True) -> list[pygame.Rect]:
    """Compliance calendar: green = home target met (each day's ``target_minutes``, as
    configured then), amber = some practice, grey = none; texts in ``lang``. Without
    practice ``at_home`` (treatment-room programmes only) its line says so instead of the home
    target. Returns where the title, the target line and the legend went (every text:
    ``drawn``)."""
    drawn.clear()
    minutes = {dt.date.fromisoformat(d["date"]): float(d["minutes"]) for d in days}
    goals = {dt.date.fromisoformat(d["date"]): float(d["target_minutes"]) for d in days}
    first, last = min(minutes), max(minutes)
    target_min = goals[last]
    lo, hi = min(goals.values()), max(goals.values())
    target_text = short(target_min, lang) if lo == hi else f"{short(lo, lang)}-{short(hi, lang)}"
    months = _months(first, last)
    # "met" as days.csv and summary.txt decide it (on the unrounded minutes)
    met_days = {dt.date.fromisoformat(d["date"]) for d in days if d["target_met"] == "yes"}
    met = len(met_days)
    title = say("cal.title", lang, code=patient or say("no_code", lang))
    days_text = count(len(minutes), lang)
    line = say("cal.line" if at_home else "cal.line_clinic", lang, target=target_text,
               met=met, days=days_text, first=_day(first, lang),
               last=_day(last, lang, year=True), practised=sum(v > 0 for v in minutes.values()))
    legend = [(say("cal.met", lang, target=target_text), MET), (say("cal.some", lang), PART),
              (say("cal.none", lang), NONE)]
    note = say("cal.note", lang)
    month_names = say("cal.months", lang).split()
    weekdays = say("cal.weekdays", lang).split()
    widths = [font(26, True).size(title)[0], font(18).size(line)[0],
              sum(42 + font(18).size(label)[0] for label, _ in legend) + font(18).size(note)[0]]
    surf = pygame.Surface(calendar_size(len(months), 40 + max(widths)))
    surf.fill(BG)
    rects = [text(surf, title, (20, 12), 26, bold=True), text(surf, line, (20, 40), 18, MUTED)]
    for i, (y, m) in enumerate(months):
        ox = 20 + (i % MONTHS_PER_ROW) * MONTH_W
        oy = CAL_TOP + (i // MONTHS_PER_ROW) * MONTH_H
        text(surf, f"{month_names[m - 1].capitalize()} {y}", (ox, oy + 4), 22, bold=True)
        for c, name in enumerate(weekdays):
            text(surf, name, (ox + c * CELL + CELL // 2, oy + 40), 16, MUTED, "center")
        for week, row in enumerate(calendar.Calendar().monthdatescalendar(y, m)):
            for c, day in enumerate(row):
                if day.month != m:
                    continue
                r = pygame.Rect(ox + c * CELL + 2, oy + 50 + week * CELL + 2, CELL - 4, CELL - 4)
                v = minutes.get(day)
                if v is None:
                    pygame.draw.rect(surf, BG, r)
                    pygame.draw.rect(surf, GRID, r, 1)
                    text(surf, str(day.day), r.center, 16, GRID, "center")
                    continue
                color = MET if day in met_days else PART if v > 0 else NONE
                pygame.draw.rect(surf, color, r, border_radius=4)
                ink = (255, 255, 255) if color == MET else INK
                text(surf, str(day.day), (r.left + 3, r.top + 2), 15, ink)
                if v > 0:  # as the unit's screen says it: rounded down, '4,6', '5', '12,5'
                    text(surf, screen_minutes(v, lang), (r.right - 3, r.bottom - 1), 18, ink,
                         "bottomright", bold=True)
    x, y = 20, surf.get_height() - 26
    for label, color in legend:
        pygame.draw.rect(surf, color, (x, y - 7, 14, 14), border_radius=3)
        rects.append(text(surf, label, (x + 20, y), 18, INK, "midleft"))
        x = rects[-1].right + 22
    rects.append(text(surf, note, (x, y), 18, MUTED, "midleft"))
    save_png(surf, path)
    return rects
