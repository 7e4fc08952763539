"""The far view of the patient's screen ([screen] view = "far"): the exercise and
calibration screens' main texts drawn to be read from 2-3 metres, the belt to check on
the cue's banner, and with two belts the belly gauge (docs/coaching.md, "Near and far").
A part of ``feedback.screen.Screen``, which it draws with."""

from __future__ import annotations

import pygame

from feedback import i18n
from feedback.screen_style import (
    BELLY_BACK,
    BELLY_THICK,
    BG,
    CUE_BG,
    CUE_FG,
    DIM,
    FAR_MAX,
    FG,
    MET,
    NOTICE_BOX,
    PANEL,
    PHASE,
    UNDER,
    WARN,
    YELLOW,
)
from feedback.view import View


class FarView:
    """The far view's layouts: ``Screen`` draws its exercise and calibration screens
    with these when ``view.far``."""

    def _far_max(self) -> int:
        return round(FAR_MAX * min(self.size))

    def _far_boxes(self, notice: bool, belly: bool) -> dict[str, pygame.Rect]:
        """Where the far view's exercise screen puts its parts: the time left over the
        whole width at the top, the progress bar under it, then the pacer disc and,
        beside it (under it on a portrait screen), the message area: the pacer's word and
        the hint, or the cue (the hold warning too). Inside the hold warning's frame; the
        notice line's band kept free while it shows. With ``belly`` the belly gauge
        (``_belly_gauge``) takes its room from the disc's, never from the message area's:
        under the disc on a landscape screen (whose disc column is taller than wide, so
        the disc keeps its size unless a notice shows), beside it on a portrait one."""
        bottom = NOTICE_BOX[1] - 0.02 if notice else 0.965
        if self.size[0] >= self.size[1]:
            boxes = {"time": self.box(0.03, 0.025, 0.97, 0.235),
                     "bar": self.box(0.03, 0.25, 0.97, 0.275),
                     "disc": self.box(0.03, 0.30, 0.33, bottom),
                     "message": self.box(0.35, 0.30, 0.97, bottom)}
        else:
            boxes = {"time": self.box(0.04, 0.02, 0.96, 0.14),
                     "bar": self.box(0.04, 0.15, 0.96, 0.165),
                     "disc": self.box(0.04, 0.19, 0.96, 0.50),
                     "message": self.box(0.04, 0.52, 0.96, bottom)}
        if belly:
            disc, thick = boxes["disc"], round(BELLY_THICK * min(self.size))
            gap = max(thick // 6, 4)
            if self.size[0] >= self.size[1]:
                boxes["belly"] = pygame.Rect(disc.left, disc.bottom - thick, disc.w, thick)
                boxes["disc"] = pygame.Rect(disc.left, disc.top, disc.w,
                                            disc.h - thick - gap)
            else:  # the disc and the gauge side by side, in the middle
                d = min(disc.h, disc.w - thick - gap)
                left = disc.centerx - (d + gap + thick) // 2
                boxes["disc"] = pygame.Rect(left, disc.top, d, disc.h)
                boxes["belly"] = pygame.Rect(left + d + gap, disc.top, thick, disc.h)
        return boxes

    def _far_exercise(self, v: View):
        """The exercise screen to be read from a treatment table or a mat 2-3 m away:
        the time left, the pacer disc and its word, the cue (and the hold warning) as
        large as the screen allows; the curve and the numbers are left to the near view,
        the exercise's name is small beside the time (``_far_name``). The hint stays
        under the pacer's word (as large as its room allows, not below readable_px), for
        a patient who reads it before lying down; a cue takes the word's and the hint's
        place while it shows (the disc goes on pacing)."""
        phase = (self._t(v, f"phase.{v.pacer_phase}") if v.pacer_phase
                 else self._t(v, "phase.free"))
        left = self._left(v)
        belt = bool(v.notice_head) and not v.cue  # (on its banner, not the notice line)
        belly = self._far_belly(v)
        boxes = self._far_boxes(bool(v.notice) and (v.asked or not v.cue) and not belt, belly)
        big = self._far_max()

        def still():
            self.surface.fill((40, 8, 14) if v.warning else BG)
            at = self._far_left(v, boxes["time"], left)
            self._far_name(v, boxes["time"], at)
            message = boxes["message"]
            if v.cue:
                pygame.draw.rect(self.surface, CUE_BG.get(v.cue, PANEL), message)
                pad = max(min(self.size) // 40, 4)
                self.paragraph(self._t(v, f"cue.{v.cue}"), message.inflate(-pad, -2 * pad),
                               CUE_FG.get(v.cue, FG), max_px=big, align="center",
                               max_lines=3, middle=True)
            elif belt:
                self._far_belt(v, message)
            else:
                hint = bool(v.hint) and not v.notice  # (the notice line takes its place)
                word = message.copy()
                if hint:
                    word.h = message.h * 62 // 100
                self.paragraph(phase, word, PHASE.get(v.pacer_phase, FG), max_px=big,
                               align="center", max_lines=2, middle=True)
                if hint:
                    rest = pygame.Rect(message.left, word.bottom, message.w,
                                       message.bottom - word.bottom)
                    self.paragraph(v.hint, rest, DIM, max_px=max(big // 3, self.readable_px),
                                   align="center", least=self.readable_px, middle=True)
            if belly:
                self._belly_gauge(v, boxes["belly"])
            if v.warning:
                pygame.draw.rect(self.surface, WARN, self.surface.get_rect(), self._frame())

        moving = [(boxes["bar"], self._progress), (boxes["disc"], self._pacer_figure)]
        # (the notice's head and detail come with the notice, which draw's key holds)
        key = (v.warning, v.exercise, left, phase, v.pacer_phase, v.cue, v.hint,
               belly and (v.belly_pct, v.belly_target))
        return key, still, moving

    @staticmethod
    def _far_belly(v: View) -> bool:
        """Does the far view show the belly gauge? With two belts, in an exercise whose
        belly cue is on (the near view's column then has its target: not in the ribs
        exercise, which asks for the chest), as the near view decides."""
        return v.two_belts and v.belly_target is not None

    def _belly_gauge(self, v: View, box: pygame.Rect) -> None:
        """The belly's share of the exercise's last breath, to be seen from the table: a
        bar along ``box`` (left to right, on a portrait screen bottom to top: the belly
        rising) filled from its zero to the share, with the least the belly cue accepts
        marked across it (white, edged in the ground's colour). At or past the mark the
        fill is a light green, short of it a darker grey: position says it where the fill
        ends clear of the mark, and near it (a share 2 points short ends under the mark)
        their lightness does, for every colour vision (screen_style.MET). A paradoxical
        breath (a negative share: the belly drawn in as the chest rises) fills the part
        behind the zero, outside the bar's track, with yellow stripes: another place,
        another pattern, whatever the eye's colour vision. Before the exercise's first
        breath, or with a belt out, the track and the mark only. Drawn where
        ``_far_belly`` (the mark is known); ``self.shapes`` keeps where it went, as
        ``texts`` does the texts."""
        along = box.w >= box.h  # (landscape: under the disc)
        length, thick = (box.w, box.h) if along else (box.h, box.w)
        stroke = max(-(-thick // 5), 3)  # (a fifth, rounded up)
        back = round(BELLY_BACK * length)
        ahead = length - back

        def span(a: int, b: int) -> pygame.Rect:
            """The part of the bar from ``a`` to ``b`` px along it, from its start."""
            a, b = sorted((a, b))
            if along:
                return pygame.Rect(box.left + a, box.top, b - a, box.h)
            return pygame.Rect(box.left, box.bottom - b, box.w, b - a)

        pygame.draw.rect(self.surface, PANEL, span(back, length))
        pygame.draw.rect(self.surface, PANEL, span(0, back), max(stroke // 4, 1))
        share = v.belly_pct
        if share is not None and share >= 0:
            done = max(round(ahead * min(share, 100.0) / 100.0), stroke // 2)
            met = share >= v.belly_target
            pygame.draw.rect(self.surface, MET if met else UNDER, span(back, back + done))
        elif share is not None:  # paradoxical: stripes behind the zero
            done = max(round(back * min(-share, 100.0) / 100.0), stroke)
            part = span(back - done, back)
            stripes = pygame.Surface(part.size)
            stripes.fill(BG)
            for x in range(-thick, part.w + part.h + thick, 2 * stroke):
                pygame.draw.polygon(stripes, YELLOW, [(x, part.h), (x + stroke, part.h),
                                                      (x + stroke + part.h, 0),
                                                      (x + part.h, 0)])
            self.surface.blit(stripes, part)
        at = back + round(ahead * min(v.belly_target, 100.0) / 100.0)
        edge = max(stroke // 4, 1)
        pygame.draw.rect(self.surface, BG, span(at - stroke // 2 - edge,
                                                at + stroke - stroke // 2 + edge))
        pygame.draw.rect(self.surface, FG, span(at - stroke // 2,
                                                at + stroke - stroke // 2))
        self.shapes.append(("belly", box.copy()))

    def _far_belt(self, v: View, box: pygame.Rect) -> None:
        """One of two belts out, in the far view: in the pacer word's place (which takes
        its turn, as a hint does: coach_view), on the belt cue's orange banner, which belt
        to check as large as the room allows ("Controleer de buikband", on up to three
        lines), what is wrong and which belt measures on small under it. On the notice
        line its capitals were 20 px at 800x480, read at 0.8 m."""
        pygame.draw.rect(self.surface, CUE_BG["check_belt"], box)
        colour = CUE_FG["check_belt"]
        pad = max(min(self.size) // 40, 4)
        inner = box.inflate(-pad, -2 * pad)
        detail_h = 0
        if v.notice_detail:
            px, lines = self._wrapped(v.notice_detail, inner.w, inner.h // 4,
                                      self._far_small(), self.readable_px, 2)
            detail_h = self.font(px).get_linesize() * len(lines)
            self.paragraph(v.notice_detail, pygame.Rect(inner.left, inner.bottom - detail_h,
                                                        inner.w, detail_h),
                           colour, max_px=px, align="center", least=px, max_lines=2)
        self.paragraph(v.notice_head, pygame.Rect(inner.left, inner.top, inner.w,
                                                  inner.h - detail_h - pad),
                       colour, max_px=self._far_max(), align="center", max_lines=3,
                       middle=True)

    def _far_left(self, v: View, line: pygame.Rect, left: str) -> pygame.Rect | None:
        """What is left of the exercise, at the right of the top line, as large as the
        line allows: the time ("nog 3:37"), or the breaths left as their number large and
        the word small after it, on its baseline ("nog 5" and "ademhalingen"); held to
        the width whole, "nog 12 ademhalingen" had 52 px capitals at 800x480 (the time's
        are 67), and the exercise's name no room beside it. Returns where it went (both
        parts)."""
        big = self._far_max()
        if v.reps_left is None:
            return self.text(left, line, FG, "right", max_px=big)
        n = v.reps_left
        number = i18n.counted("exercise.reps_number", v.lang, n, n=n)
        word = i18n.counted("exercise.reps_word", v.lang, n)
        # Sized as for two digits and the plural, whatever is left: "nog 9" came 90 px
        # high after "nog 10" at 67 (480x800), and the name beside it changed size too.
        ref = max(n, 10)
        ref_number = i18n.counted("exercise.reps_number", v.lang, ref, n=ref)
        small = self.font(self._far_small())
        gap = small.size(" ")[0]
        word_w = small.size(i18n.counted("exercise.reps_word", v.lang, ref))[0]
        box = pygame.Rect(line.left, line.top, line.w - word_w - gap, line.h)
        px = self._fit([ref_number], box.w, box.h, big)
        at = self.text(number, box, FG, "right", max_px=px, least=px)
        held = self.font(px).size(ref_number)[0]  # (the room it keeps from the name)
        # On the number's baseline (text() puts it in the middle of its line's box).
        top = at.top + self.font(px).ascent() - small.ascent()
        high, line_h = small.size(word)[1], small.get_linesize()
        box = pygame.Rect(at.right + gap, top - line_h // 2 + high // 2,
                          line.right - at.right - gap, max(line_h, high))
        said = self.text(word, box, DIM, "left", max_px=self._far_small(),
                         least=self._far_small())
        kept = pygame.Rect(at.right - held, at.top, held, at.h)
        return kept.union(said) if said is not None else kept

    def _far_small(self) -> int:
        """The far view's small texts' size: the exercise's name, the word after the
        breaths left."""
        return max(self._far_max() // 3, self.readable_px)

    def _far_name(self, v: View, line: pygame.Rect, left: pygame.Rect | None) -> None:
        """The exercise's name, small, in what the time left leaves of the top line (for
        the therapist, or the patient close by): on up to two lines, not below
        readable_px; left out where it would not be whole there."""
        gap = self.size[0] // 40
        room = pygame.Rect(line.left, line.top, (left.left if left else line.right)
                           - gap - line.left, line.h)
        size = self._far_small()
        if v.exercise and room.w > 0 and self._whole(v.exercise, room, size):
            self.paragraph(v.exercise, room, DIM, max_px=size, least=self.readable_px,
                           max_lines=2, middle=True)

    def _far_calibration(self, v: View):
        """The calibration to be read from afar: "Adem rustig in en uit" large at the top
        (no name), the live curve under it, the wait line larger than in the near view."""
        big = self._far_max()
        (say, say_colour), (wait, wait_colour) = self._calibration_lines(v)

        def still():
            self.surface.fill(BG)
            self.paragraph(say, self.box(0.04, 0.03, 0.96, 0.50), say_colour, max_px=big,
                           align="center", max_lines=2, middle=True)
            if not v.notice:  # (the notice line takes its place)
                self.paragraph(wait, self.box(0.04, 0.76, 0.96, 0.965), wait_colour,
                               max_px=max(big // 2, self.readable_px), align="center",
                               least=self.readable_px, max_lines=2, middle=True)

        def curve(v: View, box: pygame.Rect) -> None:  # (its only sign of the patient's
            self._curve(v, box, least=min(self.size) // 80)  # breath, seen from afar)

        moving = [(self.box(0.04, 0.52, 0.96, 0.535), self._progress),
                  (self.box(0.04, 0.56, 0.96, 0.74 if not v.notice else 0.82), curve)]
        return (v.breath_missing,), still, moving
