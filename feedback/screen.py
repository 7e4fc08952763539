"""The patient's screen (pygame-ce): large, high-contrast. The far view ([screen] view =
"far") draws the exercise and calibration screens' main texts to be read from 2-3 metres;
the near view adds the curve and the numbers, for reading from about a metre.

Every screen is laid out in fractions of the window, so one layout serves 480x320 up to
1920x1080. Text is fitted into its box by shrinking the font (never overflowing), and
every text blit's rectangle is kept in ``Screen.texts`` so tests can check that no text
leaves the screen or overlaps other text. The exercise's name and hint wrap onto more
lines before they shrink, and never below ``Screen.readable_px`` (cut with '...' rather).

``Screen.draw(view)`` draws a ``view.View``; with ``display=True`` the screen opens a
window (full-screen on the unit, SDL KMSDRM needs no desktop) and ``present()`` shows it.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

from feedback import i18n
from feedback.fonts import Font, save_png
from feedback.screen_far import FarView
from feedback.screen_style import (
    BG,
    CUE_BG,
    CUE_FG,
    DIM,
    FG,
    GREEN,
    NOTICE_BOX,
    ORANGE,
    PANEL,
    PAUSE,
    PHASE,
    READABLE,
    SKY,
    WARN,
    YELLOW,
)
from feedback.screen_summary import SummaryScreen
from feedback.view import View, minutes
from feedback.words import said

_DIGITS = str.maketrans("123456789", "000000000")  # the font's digits are all as wide


class Screen(FarView, SummaryScreen):
    """Draws views onto a surface of ``size`` (w, h)."""

    def __init__(self, size=(800, 480), display: bool = False, fullscreen: bool = False):
        self.size = (int(size[0]), int(size[1]))
        self.display = display
        if display:
            pygame.display.init()
            flags = pygame.FULLSCREEN if fullscreen else 0
            self.surface = pygame.display.set_mode((0, 0) if fullscreen else self.size, flags)
            self.size = self.surface.get_size()
            pygame.display.set_caption("Ademcoach")
            pygame.mouse.set_visible(not fullscreen)
        else:
            self.surface = pygame.Surface(self.size)
        self.texts: list[tuple[str, pygame.Rect]] = []
        # Where the drawn figures other than text went (the far view's belly gauge).
        self.shapes: list[tuple[str, pygame.Rect]] = []
        self._fonts: dict[int, Font] = {}
        self.readable_px = self._readable_px()
        self._fitted: dict[tuple, int] = {}
        self._summary_layouts: dict[tuple, tuple] = {}
        self._wrapped_at: dict[tuple, tuple[int, list[str]]] = {}
        self._whole_at: dict[tuple, bool] = {}
        self._rendered: dict[tuple, tuple[str, pygame.Surface]] = {}
        # The still parts of the calibration and exercise screens (see _draw_layered).
        self._layer: pygame.Surface | None = None
        self._layer_key = None
        self._layer_texts: list[tuple[str, pygame.Rect]] = []
        self._layer_shapes: list[tuple[str, pygame.Rect]] = []

    # --- text ---------------------------------------------------------------------------

    def font(self, px: int) -> Font:
        f = self._fonts.get(px)
        if f is None:
            f = self._fonts[px] = Font(px)
        return f

    def _readable_px(self) -> int:
        """The smallest font size whose lines are drawn at least ``READABLE`` of the
        screen's short side high (16 px at 480x320, 24 at 800x480, 54 at 1920x1080): the
        least the exercise's name and hint may shrink to. (They fell to 8-10 px at
        480x320.) Two such lines fit the header's line (a ninth of the height), so a name
        that needs two lines moves nothing below it. The short side, not the height: a
        480x800 screen is an 800x480 panel on its side, with as many pixels to a
        millimetre, so it gets the same least size (its height would ask 40 px of a
        451 px wide line)."""
        least = min(self.size) * READABLE
        px = 8
        while self.font(px).size("x")[1] < least:  # (a line without accents or descenders)
            px += 1
        return px

    def _fit(self, lines: list[str], w: int, h: int, max_px: int, least: int = 8) -> int:
        """Largest font size (<= max_px, but not below ``least``) at which ``lines`` fit
        in w x h (``least`` if none does).

        Remembered per (lines, box, size): most text is the same from frame to frame,
        and measuring it again would be most of a frame's cost. Digits are read as 0 (all
        digits are as wide), so the time left, new every second, is not measured again."""
        key = (tuple(s.translate(_DIGITS) for s in lines), w, h, max_px, least)
        px = self._fitted.get(key)
        if px is None:
            if len(self._fitted) > 2048:
                self._fitted.clear()
            px = self._fitted[key] = self._search(lines, w, h, max_px, least)
        return px

    def _search(self, lines: list[str], w: int, h: int, max_px: int, least: int) -> int:
        lo, hi = least, max(max_px, least)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            f = self.font(mid)
            ok = all(f.size(s)[0] <= w for s in lines) and f.get_linesize() * len(lines) <= h
            if ok:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def text(self, s: str, box: pygame.Rect, colour=FG, align: str = "left",
             max_px: int | None = None, least: int = 8) -> pygame.Rect | None:
        """One line of text shrunk to fit ``box`` (down to ``least``, then cut with
        '...'); returns where it went."""
        if not s:
            return None
        s, img = self._render(s, box.w, box.h, max_px or box.h, colour, least)
        r = img.get_rect()
        r.centery = box.centery
        if align == "center":
            r.centerx = box.centerx
        elif align == "right":
            r.right = box.right
        else:
            r.left = box.left
        r.clamp_ip(box)
        self.surface.blit(img, r)
        self.texts.append((s, r.copy()))
        return r

    def _render(self, s: str, w: int, h: int, max_px: int, colour,
                least: int = 8) -> tuple[str, pygame.Surface]:
        """The text fitted to w x h (cut with '...' if even the smallest size is too wide)
        and its image, remembered for the next frames."""
        key = (s, w, h, max_px, tuple(colour), least)
        hit = self._rendered.get(key)
        if hit is None:
            f = self.font(self._fit([s], w, h, max_px, least))
            while len(s) > 1 and f.size(s)[0] > w:
                s = s[:-4].rstrip() + "..." if len(s) > 4 else s[:-1]
            if len(self._rendered) > 512:
                self._rendered.clear()
            hit = self._rendered[key] = (s, f.render(s, True, colour))
        return hit

    def paragraph(self, s: str, box: pygame.Rect, colour=FG, max_px: int | None = None,
                  align: str = "left", least: int = 8, max_lines: int | None = None,
                  middle: bool = False) -> int:
        """Word-wrapped text, shrunk until all lines fit in ``box`` (see ``_wrapped`` for
        ``least`` and ``max_lines``); with ``middle`` the lines sit in the middle of the
        box, else at its top. Returns the y below its last line."""
        px, lines = self._wrapped(s, box.w, box.h, max_px or box.h, least, max_lines)
        step = self.font(px).get_linesize()
        y = box.top + (max(box.h - step * len(lines), 0) // 2 if middle else 0)
        for line in lines:
            line_box = pygame.Rect(box.left, y, box.w, step)
            if line_box.bottom > box.bottom:
                break
            self.text(line, line_box, colour, align, max_px=px, least=px)
            y += step
        return y

    def _wrapped(self, s: str, w: int, h: int, max_px: int, least: int = 8,
                 max_lines: int | None = None) -> tuple[int, list[str]]:
        """The largest size (<= max_px) at which ``s``, word-wrapped onto at most
        ``max_lines`` lines, fits in w x h, and its lines. Never below ``least``: what
        does not fit at that size is cut with '...' when drawn (the last line that fits
        then holds the rest of the text; a word too long for the width is cut the same).
        Remembered, as ``_fit`` is: most text is the same from frame to frame."""
        key = (s, w, h, max_px, least, max_lines)
        hit = self._wrapped_at.get(key)
        if hit is None:
            if len(self._wrapped_at) > 512:
                self._wrapped_at.clear()
            hit = self._wrapped_at[key] = self._search_wrapped(s, w, h, max_px, least,
                                                               max_lines)
        return hit

    def _search_wrapped(self, s: str, w: int, h: int, max_px: int, least: int,
                        max_lines: int | None) -> tuple[int, list[str]]:
        def fits(px):
            f = self.font(px)
            lines = self._wrap(s, f, w)
            return (all(f.size(x)[0] <= w for x in lines)
                    and f.get_linesize() * len(lines) <= h
                    and len(lines) <= (max_lines or len(lines))), lines

        lo, hi = least, max(max_px, least)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(mid)[0]:
                lo = mid
            else:
                hi = mid - 1
        ok, lines = fits(lo)
        room = min(max(h // self.font(lo).get_linesize(), 1), max_lines or len(lines))
        if not ok and len(lines) > room:  # the last line that fits takes the rest
            lines = [*lines[:room - 1], " ".join(lines[room - 1:])]
        return lo, lines

    @staticmethod
    def _wrap(s: str, font: Font, width: int) -> list[str]:
        lines, cur = [], ""
        for word in s.split():
            trial = f"{cur} {word}".strip()
            if font.size(trial)[0] <= width or not cur:
                cur = trial
            else:
                lines.append(cur)
                cur = word
        if cur:
            lines.append(cur)
        return lines or [""]

    # --- geometry -----------------------------------------------------------------------

    def box(self, x0: float, y0: float, x1: float, y1: float) -> pygame.Rect:
        """A rectangle in fractions of the screen."""
        w, h = self.size
        return pygame.Rect(round(x0 * w), round(y0 * h), round((x1 - x0) * w),
                           round((y1 - y0) * h))

    # --- drawing ------------------------------------------------------------------------

    def draw(self, view: View) -> pygame.Surface:
        self.texts, self.shapes = [], []
        layered = getattr(self, f"_layered_{view.screen}", None)
        if layered is not None:
            self._draw_layered(view, *layered(view))
            return self.surface
        self._layer_key = None  # the next layered frame is drawn whole
        self.surface.fill(BG)
        getattr(self, f"_draw_{view.screen}")(view)
        self._notice(view)
        return self.surface

    def _draw_layered(self, v: View, key, still, moving) -> None:
        """A screen in two parts (calibration, exercise). ``still()`` draws the parts that
        change about once a second (texts, numbers, banner, notice) onto a layer, redrawn
        only when ``key`` changes; each frame copies the layer back under the moving parts
        only (``moving``: (box, draw) pairs) and draws those. Drawing the still text every
        frame was most of a frame's cost."""
        key = (v.screen, v.lang, v.notice, self.size, v.far, *key)
        if key != self._layer_key:
            self._draw_layer(v, still)
            self._layer_key = key
            self.surface.blit(self._layer, (0, 0))
        else:
            pad = max(self.size[1] // 40, 4)  # thick curve lines reach past their box
            for box, _draw in moving:
                box = box.inflate(2 * pad, 2 * pad)
                # SDL copies fast only from a left edge on a 16-pixel boundary (measured:
                # 6 us instead of 89 us for the pacer figure at 800x480).
                box.w += box.left % 16
                box.left -= box.left % 16
                box = box.clip(self.surface.get_rect())
                self.surface.blit(self._layer, box, box)
        self.texts.extend(self._layer_texts)
        self.shapes.extend(self._layer_shapes)
        for box, draw in moving:
            draw(v, box)

    def _draw_layer(self, v: View, still) -> None:
        if self._layer is None or self._layer.get_size() != self.surface.get_size():
            self._layer = pygame.Surface(self.surface.get_size())
        surface, texts, shapes = self.surface, self.texts, self.shapes
        self.surface, self.texts, self.shapes = self._layer, [], []
        try:
            still()
            self._notice(v)
            self._layer_texts, self._layer_shapes = self.texts, self.shapes
        finally:
            self.surface, self.texts, self.shapes = surface, texts, shapes

    def _notice(self, view: View) -> None:
        """The notice line (a belt out, a rejected config, a USB export, a failing part):
        at the bottom, wrapped to fit its band, where each screen leaves room for it while
        there is one. The hint, or the calibration's "wait", gives way to it; the coach
        gives them a turn of their own (``Notices.line``). On the exercise screen a
        cue goes first; the notice is back when the cue ends, but for the question "next"
        asks, which shows under the hold warning too (``View.asked``: the patient pressed
        and looks for an answer). (A strip at the top, shrunk to one line, was 8 px high
        at 480x320.)"""
        if not view.notice or view.screen == "config" or (
                view.screen == "exercise" and not view.asked
                and (view.cue or (view.far and view.notice_head))):
            return  # (the far view's exercise screen: a belt to check on a banner, _far_belt)
        box = self.box(*NOTICE_BOX)
        # On a dark ground of its own: yellow on the hold warning's red is hard to read.
        pygame.draw.rect(self.surface, BG, box)
        # (one line sits in the middle of the band, two fill it)
        self.paragraph(view.notice, box, YELLOW, align="center", middle=True)

    def present(self) -> None:
        if self.display:
            pygame.display.flip()

    def save(self, path) -> None:
        save_png(self.surface, path)

    def _t(self, view: View, key: str, **kw) -> str:
        return i18n.text(key, view.lang, **kw)

    def _draw_idle(self, v: View) -> None:
        # The patient code the next session is recorded under, for the therapist to check
        # before it starts (a config refused on reload keeps the code before it)
        head = self._t(v, "app") + (f" · {self._t(v, 'idle.patient')} {v.patient}"
                                    if v.patient else "")
        self.text(head, self.box(0.05, 0.05, 0.95, 0.17), DIM, "center")
        self.text(self._t(v, "idle.title"), self.box(0.05, 0.20, 0.95, 0.38), FG, "center")
        box = self.box(0.05, 0.40, 0.95, 0.58)  # (a long name: two lines, not 7 px)
        self.paragraph(f"{self._t(v, 'idle.programme')}: {v.programme}", box, SKY,
                       max_px=self.box(0, 0, 1, 0.14).h, align="center",
                       least=self.readable_px, max_lines=2, middle=True)
        done, done_min = v.today_min >= v.today_target, minutes(v.today_min, v.lang)
        if not v.home:  # (the treatment room: the minutes, no home target)
            done, today = False, f"{done_min} {self._t(v, 'unit.min')}"
        elif done:
            today = f"{done_min} {self._t(v, 'unit.min')}, {self._t(v, 'idle.met')}"
        else:
            today = (f"{done_min} {self._t(v, 'idle.of')} "
                     f"{minutes(v.today_target, v.lang, up=True)} "
                     f"{self._t(v, 'unit.min')}")
        self.text(f"{self._t(v, 'idle.today')}: {today}", self.box(0.05, 0.60, 0.95, 0.72),
                  GREEN if done else FG, "center")
        self.text(self._t(v, "idle.press"), self.box(0.05, 0.73, 0.95, 0.83) if v.notice
                  else self.box(0.05, 0.82, 0.95, 0.93), DIM, "center")

    def _header(self, v: View) -> None:
        self._title(v, self._left(v))
        self._progress(v, self._bar_box())

    def _left(self, v: View) -> str:
        if v.reps_left is not None:
            return i18n.counted("exercise.reps_left", v.lang, v.reps_left, n=v.reps_left)
        if v.left_s is not None:
            return self._t(v, "exercise.left", time=i18n.clock(v.left_s))
        return ""

    def _title(self, v: View, left: str) -> None:
        """The exercise's name, and what is left of it at the right: that takes what it
        needs, up to 45 % of the line or what the name leaves, and the name the rest.
        ("nog 7 ademhalingen", the lifting exercise's key number, was 13 px high at
        480x320 in a fixed quarter of the line.) A long name goes on two lines before it
        shrinks, and not below ``readable_px``: what two lines cannot hold then is cut
        with '...'. Where it would be cut, or what is left would be drawn smaller than
        that, and the header is high enough for what is left on a line of its own (a
        portrait screen), the name takes the whole width and what is left goes under it
        (unless that cuts a name that was whole)."""
        line = self.box(0.03, 0.045, 0.97, 0.155)
        gap = self.size[0] // 40
        size = round(0.10 * self.size[1])  # the largest size of one line
        font = self.font(size)
        need = font.size(left)[0] if left else 0
        name = font.size(v.exercise)[0] if v.exercise else 0
        width = min(need, max(round(0.45 * (line.w - gap)), line.w - gap - name))
        name_box = pygame.Rect(line.left, line.top, line.w - width - gap, line.h)
        left_box = pygame.Rect(line.right - width, line.top, width, line.h)
        whole = self._whole(v.exercise, name_box, size)
        if left and v.exercise and not (whole and self._fit(
                [left], left_box.w, left_box.h, size) >= self.readable_px):
            top = pygame.Rect(line.left, line.top, line.w, line.h * 3 // 5)
            under = pygame.Rect(line.left, top.bottom, line.w, line.h - top.h)
            if self._fit([left], under.w, under.h, size) >= self.readable_px and (
                    self._whole(v.exercise, top, size) or not whole):
                name_box, left_box = top, under
        if (left and v.exercise and left_box.top == line.top
                and not self._whole(v.exercise, name_box, size)):
            # Still cut beside it: what is left gives up its size, down to readable_px,
            # if that lets the name be whole ("Ontspanningsademhalingsoefe..." beside a
            # 20 px "nog 5 ademhalingen" at 480x320, where both fit at 16 px).
            small = self.font(self.readable_px).size(left)[0]
            roomier = pygame.Rect(line.left, line.top, line.w - small - gap, line.h)
            if small < left_box.w and self._whole(v.exercise, roomier, size):
                name_box = roomier
                left_box = pygame.Rect(line.right - small, line.top, small, line.h)
        self.paragraph(v.exercise, name_box, FG, max_px=size, least=self.readable_px,
                       max_lines=2, middle=True)
        self.text(left, left_box, DIM, "right", max_px=size)

    def _whole(self, s: str, box: pygame.Rect, max_px: int) -> bool:
        """Does ``s`` fit in ``box`` on at most two lines, at ``readable_px`` or larger?
        (Remembered with its lines: asked on every redraw of the header.)"""
        key = (s, box.w, box.h, max_px, self.readable_px, 2)
        px, lines = self._wrapped(*key)
        whole = self._whole_at.get(key)
        if whole is None:
            if len(self._whole_at) > 512:
                self._whole_at.clear()
            f = self.font(px)
            whole = self._whole_at[key] = (
                len(lines) <= 2 and f.get_linesize() * len(lines) <= box.h
                and all(f.size(x)[0] <= box.w for x in lines))
        return whole

    def _progress(self, v: View, bar: pygame.Rect) -> None:
        pygame.draw.rect(self.surface, PANEL, bar)
        done = bar.copy()
        done.w = round(bar.w * v.progress)
        pygame.draw.rect(self.surface, SKY, done)

    def _layered_calibration(self, v: View):
        if v.far:
            return self._far_calibration(v)
        left = self._left(v)
        (say, say_colour), (wait, wait_colour) = self._calibration_lines(v)

        def still():
            self.surface.fill(BG)
            self._title(v, left)
            self.text(say, self.box(0.05, 0.22, 0.95, 0.40), say_colour, "center")
            if not v.notice:  # (the notice line takes its place)
                self.text(wait, self.box(0.05, 0.85, 0.95, 0.95), wait_colour, "center")

        moving = [(self._bar_box(), self._progress),
                  (self.box(0.05, 0.44, 0.95, 0.82), self._curve)]
        return (v.exercise, left, v.breath_missing), still, moving

    def _calibration_lines(self, v: View) -> tuple[tuple[str, tuple], tuple[str, tuple]]:
        """The calibration's main text and its wait line, each with its colour. No breath
        measured in its time: what to check in their places, "Controleer de band" in
        orange as on the belt screen (it was a notice on the bottom line, 20 px at 800x480
        in the far view, under "Adem rustig in en uit" large: read at 0.8 m)."""
        if v.breath_missing:
            return ((self._t(v, "sensor.title"), ORANGE),
                    (self._t(v, "calibration.none"), FG))
        return (self._t(v, "calibration.say"), FG), (self._t(v, "calibration.wait"), DIM)

    def _layered_exercise(self, v: View):
        if v.far:
            return self._far_exercise(v)
        phase = (self._t(v, f"phase.{v.pacer_phase}") if v.pacer_phase
                 else self._t(v, "phase.free"))
        stats = (self._stat_text(v, v.rate_bpm, 0, "exercise.rate", v.target_rate, 0),
                 self._stat_text(v, v.ratio, 1, "exercise.ratio", v.target_ratio, 1,
                                 at_least=True))
        if v.two_belts or v.belly_pct is not None:  # how much of the breath is in the belly
            stats += (self._stat_text(v, v.belly_pct, 0, "exercise.belly", v.belly_target, 0,
                                      "%", at_least=True),)
        edges = (0.40, 0.67, 0.70, 0.97) if len(stats) == 2 else (
            0.40, 0.58, 0.595, 0.775, 0.79, 0.97)
        left = self._left(v)

        # A breath held: "Blijf ademen!" takes the lower third, over the phase and the
        # numbers, to be read from a mat or a squat 2-3 m away (on the usual banner it
        # was a 36 px capital at 800x480: 12 minutes of arc at 2 m, below the 16 a
        # reader needs); the pacer disc and the flat curve stay above it.
        held = v.warning and v.cue == "breathe_on"

        def still():
            self.surface.fill((40, 8, 14) if v.warning else BG)
            self._title(v, left)
            if not held:
                self.paragraph(phase, self.box(0.03, 0.665, 0.37, 0.805),
                               PHASE.get(v.pacer_phase, FG), max_px=self.box(0, 0, 1, 0.11).h,
                               align="center", least=self.readable_px, max_lines=2,
                               middle=True)
                boxes = [self.box(edges[2 * i], 0.57, edges[2 * i + 1], 0.80)
                         for i in range(len(stats))]
                self._stats(stats, boxes)
            banner = self.box(0.0, 0.67 if held else 0.82, 1.0, 1.0)
            if held:  # (on two lines where that is larger: a portrait screen)
                pygame.draw.rect(self.surface, CUE_BG[v.cue], banner)
                room = banner.copy()
                if v.asked:  # (the question on the notice line, under it)
                    room.h = self.box(*NOTICE_BOX).top - banner.top
                self.paragraph(self._t(v, f"cue.{v.cue}"),
                               room.inflate(-room.w // 20, -room.h // (12 if v.asked else 6)),
                               CUE_FG.get(v.cue, FG), align="center", max_lines=2,
                               middle=True)
            elif v.cue:
                pygame.draw.rect(self.surface, CUE_BG.get(v.cue, PANEL), banner)
                self.text(self._t(v, f"cue.{v.cue}"),
                          banner.inflate(-banner.w // 20, -banner.h // 6),
                          CUE_FG.get(v.cue, FG), "center")
            elif v.hint and not v.notice:  # (the notice line takes its place)
                # On as many lines as the banner holds before it shrinks (one line no
                # larger than it was), not below readable_px: cut with '...' rather.
                # Clear of the hold warning's frame.
                self.paragraph(v.hint, banner.inflate(-banner.w // 20, -2 * self._frame() - 2),
                               DIM, max_px=banner.h - banner.h // 3, align="center",
                               least=self.readable_px, middle=True)
            if v.warning:
                # The frame stays in the margin between the texts and the screen's edges;
                # the side margins are a fraction of the width, so on a portrait screen
                # the width, not the height, sets how thick it may be.
                pygame.draw.rect(self.surface, WARN, self.surface.get_rect(), self._frame())

        moving = [(self._bar_box(), self._progress),
                  (self.box(0.03, 0.21, 0.37, 0.66), self._pacer_figure),
                  (self.box(0.40, 0.21, 0.97, 0.55), self._curve)]
        key = (v.warning, v.exercise, left, phase, v.pacer_phase, stats, v.cue, v.hint)
        return key, still, moving

    def _frame(self) -> int:
        """How thick the hold warning's frame is."""
        return max(min(self.size) // 40, 4)

    def _bar_box(self) -> pygame.Rect:
        return self.box(0.03, 0.165, 0.97, 0.18)

    def _stat_text(self, v: View, value, digits, label_key, target, tdigits, unit="",
                   at_least: bool = False):
        """(the value, its label, its target or "")."""
        goal = ""
        if target is not None:
            goal = (f"{self._t(v, 'exercise.target')} {'≥' if at_least else ''}"
                    f"{i18n.number(target, v.lang, tdigits)}{unit}")
        shown = i18n.number(value, v.lang, digits)
        return (shown + unit if value is not None else shown), self._t(v, label_key), goal

    def _stats(self, stats, boxes) -> None:
        """Each value over its label: the label with its target on one line ("adem/min
        (doel 5)"), or, where that makes them larger (narrow columns: two belts, small
        screens), the target on a line of its own. All labels at one size."""
        parts = []
        for (value, label, goal), box in zip(stats, boxes, strict=True):
            top = pygame.Rect(box.left, box.top, box.w, box.h * 62 // 100)
            bottom = pygame.Rect(box.left, top.bottom, box.w, box.h - top.h)
            self.text(value, top, FG, "center")
            parts.append((bottom, [f"{label} ({goal})" if goal else label],
                          [label, goal] if goal else [label]))
        one = min(self._fit(lines, b.w, b.h, b.h) for b, lines, _two in parts)
        two = min(self._fit(lines, b.w, b.h, b.h) for b, _one, lines in parts)
        px, pick = (two, 2) if two > one else (one, 1)
        for box, *forms in parts:
            lines = forms[pick - 1]
            step = self.font(px).get_linesize()
            y = box.centery - step * len(lines) // 2
            for line in lines:
                self.text(line, pygame.Rect(box.left, y, box.w, step), DIM, "center",
                          max_px=px)
                y += step

    def _pacer_figure(self, v: View, box: pygame.Rect) -> None:
        """A disc that grows on the inhale and shrinks on the exhale; the patient's own
        level is a white circle, so lagging behind shows as a gap. The circle is edged in
        the ground's colour: on the disc's phase colours white alone was 1.7-2.1:1, under
        the 3:1 a graphic needs for low vision or a bright room."""
        r_max = min(box.w, box.h) // 2 - 2
        r_min = r_max * 35 // 100
        c = box.center
        pygame.draw.circle(self.surface, PANEL, c, r_max)
        if v.pacer_level is not None:
            r = r_min + (r_max - r_min) * max(min(v.pacer_level, 1.0), 0.0)
            pygame.draw.circle(self.surface, PHASE.get(v.pacer_phase, PAUSE), c, round(r))
        if v.patient_level is not None:
            r = max(round(r_min + (r_max - r_min) * max(min(v.patient_level, 1.1), -0.1)), 2)
            width = max(r_max // 18, 2)
            edge = max(width // 2, 2)
            pygame.draw.circle(self.surface, BG, c, r + edge, width + 2 * edge)
            pygame.draw.circle(self.surface, FG, c, r, width)
        if v.warning:
            pygame.draw.circle(self.surface, WARN, c, r_max, max(r_max // 6, 3))

    def _curve(self, v: View, box: pygame.Rect, least: int = 2) -> None:
        """Last ``curve_s`` seconds: the target (pacer) as a band, the patient as a line
        (at least ``least`` px thick)."""
        pygame.draw.rect(self.surface, PANEL, box)
        span = v.curve_s

        def pts(t, y):
            xs = box.left + (1.0 + np.asarray(t) / span) * (box.w - 1)
            ys = box.bottom - 1 - np.clip(np.asarray(y), -0.1, 1.1) * (box.h - 1) / 1.2 - (
                0.1 * (box.h - 1) / 1.2)
            return list(zip(xs.tolist(), ys.tolist(), strict=True))

        if v.curve_target is not None and len(v.curve_target) > 1:
            p = pts(v.curve_target[:, 0], v.curve_target[:, 1])
            pygame.draw.lines(self.surface, SKY, False, p, max(box.h // 40, 3))
        if v.curve_t is not None and len(v.curve_t) > 1:
            p = pts(v.curve_t, v.curve_patient)
            pygame.draw.lines(self.surface, FG, False, p, max(box.h // 45, least))

    def _draw_pause(self, v: View) -> None:
        self._header(v)
        self.text(self._t(v, "pause.title"), self.box(0.05, 0.25, 0.95, 0.55), PAUSE, "center")
        self.text(self._t(v, "pause.press"), self.box(0.05, 0.70, 0.95, 0.82), DIM, "center")

    def _draw_sensor(self, v: View) -> None:
        """A belt or sensor fault; with ``fault == "unit"`` another part of the unit (its
        error in the notice line)."""
        about = "unit" if v.fault == "unit" else "sensor"
        # The measuring chip inside the unit (``i2c``) is no belt to check: the unit's
        # title, and a body that says so (the patient checked a belt that was fine).
        title = "unit.title" if v.fault in ("unit", "i2c") else "sensor.title"
        body = "sensor.i2c_body" if v.fault == "i2c" else f"{about}.body"
        # Where its parts go: title, body, the exercise that waits, what is wrong. The far
        # view's title is as large as the far view's main texts, on up to two lines (on
        # one, held to the width, its capitals were 48 px at 800x480: read at 1.85 m),
        # and what is wrong comes under it; the body, for reading close by, below.
        if v.far:
            said = v.fault and about == "sensor"  # (else the body takes what's place)
            # (the exercise that waits as high as in the near view, notice or not)
            boxes = {"title": (0.03, 0.02, 0.97, 0.43), "what": (0.05, 0.45, 0.95, 0.56),
                     "body": (0.08, 0.58 if said else 0.47, 0.92, 0.74 if v.notice else 0.82),
                     "waits": (0.05, 0.75, 0.95, 0.84) if v.notice else (0.05, 0.84, 0.95, 0.93)}
        else:
            boxes = {"title": (0.05, 0.06, 0.95, 0.26), "body": (0.08, 0.30, 0.92, 0.58),
                     "waits": (0.05, 0.60, 0.95, 0.69),
                     "what": (0.05, 0.72, 0.95, 0.83) if v.notice else (0.05, 0.74, 0.95, 0.86)}
        if v.far:
            self.paragraph(self._t(v, title), self.box(*boxes["title"]), ORANGE,
                           max_px=self._far_max(), align="center", max_lines=2, middle=True)
        else:
            self.text(self._t(v, title), self.box(*boxes["title"]), ORANGE, "center")
        said_body = self._t(v, body)
        if v.exercise and about == "sensor":  # (run --wait's start-up screen: none waits)
            said_body += " " + self._t(v, "sensor.waits")
        self.paragraph(said_body, self.box(*boxes["body"]), FG,
                       max_px=self.size[1] // 9, align="center")
        if v.exercise:  # the exercise that waits, so that a button pressed shows its effect
            waits = (self._t(v, "sensor.paused", exercise=v.exercise) if v.paused
                     else v.exercise)
            self.text(waits, self.box(*boxes["waits"]), FG, "center")
        if v.fault and about == "sensor":
            what = self._t(v, f"sensor.{v.fault}")
            if v.fault_belts:  # which belt(s), as the patient calls them (else config names)
                what += " (" + ", ".join(i18n.text_or(f"belt.{b}", v.lang, b)
                                         for b in v.fault_belts) + ")"
            self.text(what, self.box(*boxes["what"]), DIM, "center")

    def _draw_config(self, v: View) -> None:
        self.text(self._t(v, "config.title"), self.box(0.04, 0.04, 0.96, 0.18), ORANGE, "center")
        shown = v.problems[:4]
        lines = [self._plain(v, p) for p in shown]
        if len(v.problems) > len(shown):
            more = len(v.problems) - len(shown)
            lines.append(i18n.counted("config.more", v.lang, more, n=more))
        top, bottom = 0.22, 0.76
        each = (bottom - top) / max(len(lines), 1)  # the most one problem may take
        gap = self.size[1] // 40
        y = self.box(0, top, 1, top).top
        for line in lines:  # one under the other, each as high as its lines
            box = self.box(0.05, 0, 0.95, each - 0.01)
            box.top = y
            y = self.paragraph(line, box, FG, max_px=self.size[1] // 14) + gap
        self.paragraph(self._t(v, "config.kept" if v.kept else "config.none"),
                       self.box(0.04, 0.79, 0.96, 0.97), YELLOW, max_px=self.size[1] // 16,
                       align="center")

    def _plain(self, v: View, problem) -> str:
        """A config problem as a person reads it: file name, line, then the message, in
        the screen's language (key names and values as the file writes them)."""
        path = getattr(problem, "path", None)
        if path is None:
            return said(problem, v.lang)
        where = os.path.basename(path)
        if problem.line:
            where += ", " + self._t(v, "config.line", line=problem.line)
        return f"{where}: {said(problem.message, v.lang)}"
