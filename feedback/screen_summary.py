"""The summary screen: one row per exercise after a session (part of
``feedback.screen.Screen``)."""

from __future__ import annotations

import numpy as np
import pygame

from feedback import i18n
from feedback.screen_style import DIM, FG, GREEN, SKY
from feedback.view import View, belly, in_sync, minutes, tips


class SummaryScreen:
    """The summary's table, laid out so that its numbers never run together."""

    SUMMARY_COLS = ("summary.exercise", "summary.minutes", "summary.rate", "summary.ratio",
                    "summary.holds", "summary.cues", "summary.in_sync")
    BELLY_AT = 4  # with two belts, the belly's share after exhale:inhale

    def _draw_summary(self, v: View) -> None:
        """A table, one row per exercise. The number columns are as wide as their widest
        text (header or value), a gap between them, so numbers never run together; the
        exercise names take the rest, or, where that lets everything be larger (a screen
        narrow for its height), a line of their own above their numbers (see
        _summary_layout)."""
        # (the notice line at the bottom says how to go back, unless a notice takes it)
        # (a session that stood still until it ended is not praised for it)
        self.text(self._t(v, "summary.title_left" if v.left else "summary.title"),
                  self.box(0.03, 0.02, 0.97, 0.12), FG, "center")
        if not v.notice:
            self.text(self._t(v, "summary.press"), self.box(0.05, 0.885, 0.95, 0.955), DIM,
                      "center")
        rows = v.rows[:8]
        heads = [self._t(v, k) for k in self.SUMMARY_COLS]
        cells = [[row["name_en"] if v.lang == "en" else row["name_nl"],
                  i18n.number(row["minutes"], v.lang, 1),
                  i18n.number(row["rate_bpm"], v.lang, 1),
                  i18n.number(row["ratio"], v.lang, 1),
                  str(row["holds"]), str(tips(row)), in_sync(row)] for row in rows]
        if any(row.get("belly_pct") is not None for row in rows):  # two belts measured
            heads.insert(self.BELLY_AT, self._t(v, "summary.belly"))
            for row, line in zip(rows, cells, strict=True):
                line.insert(self.BELLY_AT, belly(row))
        w, h = self.size
        top, bottom = round(0.14 * h), round(0.76 * h)
        step = (bottom - top) / (len(rows) + 1)
        row_h, head_h = round(step * 0.9), round(step * 0.72)
        left, right = round(0.02 * w), round(0.98 * w)
        gap = max(w // 40, 8)
        key = (tuple(heads), tuple(map(tuple, cells)), self.size)
        layout = self._summary_layouts.get(key)
        if layout is None:
            if len(self._summary_layouts) > 64:
                self._summary_layouts.clear()
            layout = self._summary_layouts[key] = self._summary_layout(
                heads, cells, right - left, gap, row_h, head_h)
        num_px, head_px, name_px, name_w, widths, stacked = layout
        if stacked:  # the names above, the numbers spread over the whole width below
            name_h = self._stacked_name_h(row_h)
            spare = right - left - sum(widths)
            edges, x = [], left
            for cw in widths:
                edges.append((x, x + cw))
                x += cw + spare / (len(widths) - 1)
            edges = [(round(x0), round(x1)) for x0, x1 in edges]
        else:
            name_h = 0
            edges, x = [(left, left + name_w)], left + name_w
            for cw in widths:
                edges.append((x + gap, x + gap + cw))
                x += gap + cw
        for i, r in enumerate(cells, 1):
            y = round(top + i * step)
            if stacked:
                self.text(r[0], pygame.Rect(left, y, right - left, name_h), FG,
                          max_px=name_px)
            else:  # a long name goes on two lines, beside its row's numbers
                box = pygame.Rect(left, y, name_w, row_h)
                lines = self._wrap(r[0], self.font(name_px), box.w)
                box = box.inflate(0, len(lines) * self.font(name_px).get_linesize() - box.h)
                self.paragraph(r[0], box, FG, max_px=name_px)
        columns = list(enumerate(edges, 1 if stacked else 0))
        for c, (x0, x1) in columns:
            align = "left" if c == 0 else "right"
            self.text(heads[c], pygame.Rect(x0, top, x1 - x0, head_h), DIM, align,
                      max_px=head_px)
            if c == 0:
                continue
            for i, r in enumerate(cells, 1):
                box = pygame.Rect(x0, round(top + i * step) + name_h, x1 - x0, row_h - name_h)
                self.text(r[c], box, FG, align, max_px=num_px)
        done = v.today_min >= v.today_target
        done_min = minutes(v.today_min, v.lang)
        target = minutes(v.today_target, v.lang, up=not done)  # (met: as the minutes are)
        # (a session begun before midnight counts for that day, and says so; on two
        # lines where that lets it be larger: a screen narrow for its height)
        key = "summary.total_met" if done else "summary.total"
        if not v.home:  # (the treatment room: the minutes, no home target)
            done, key = False, "summary.total_room"
        key += {0: "", 1: "_yesterday"}.get(v.days_back, "")
        if v.days_back not in (0, 1):  # (below 0: a clock set back since it began)
            key = "summary.total_earlier"
        self.paragraph(self._t(v, key, minutes=done_min,
                               minutes_unit=i18n.minutes_word(done_min, v.lang),
                               target=target, target_unit=i18n.minutes_word(target, v.lang)),
                       self.box(0.03, 0.765, 0.97, 0.845), GREEN if done else SKY,
                       align="center", max_lines=2, middle=True)

    @staticmethod
    def _stacked_name_h(row_h: int) -> int:
        """The part of a row a name on its own line takes (the numbers take the rest)."""
        return round(row_h * 0.45)

    def _summary_layout(self, heads, cells, width: int, gap: int, row_h: int, head_h: int):
        """(num_px, head_px, name_px, name_w, widths, stacked) of the summary table. On a
        screen taller than wide, of the two arrangements (names beside their numbers, or
        on a line of their own above them) the one whose smallest text is largest; on a
        landscape screen names beside their numbers (stacked, with one or two exercises
        its headers were larger, but far from numbers that no longer sat beside their
        names)."""
        beside = self._summary_beside(heads, cells, width - gap * (len(heads) - 1), row_h,
                                      head_h)
        if self.size[0] >= self.size[1]:  # (landscape: a name reads best beside its row)
            return beside[1] + (False,)
        name_h = self._stacked_name_h(row_h)
        stacked = self._summary_stacked(heads, cells, width, gap, row_h - name_h, name_h,
                                        head_h)
        if stacked is not None and stacked[0] > beside[0]:
            return stacked[1] + (True,)
        return beside[1] + (False,)

    def _summary_stacked(self, heads, cells, width: int, gap: int, num_h: int, name_h: int,
                         head_h: int):
        """(score, layout) with each name on one line of its own and the number columns
        over the whole width, or None where they do not fit at 8 px. The sizes are the
        best whose columns fit, in the score's order: the largest smallest text (numbers
        read at two thirds), then the largest numbers, then the largest headers, each up
        to what the heights of a row and of the header line allow. Each a search by
        halves: the columns only grow with the sizes."""
        room = width - gap * (len(heads) - 2)
        name_px = min(self._fit([r[0]], width, name_h, name_h) for r in cells) if cells \
            else name_h
        num_max = max(self._fit(["0"], room, num_h, num_h), 8)
        head_max = max(min(self._fit(["0"], room, head_h, head_h),
                           max(self.size[1] // 16, 12)), 8)

        def fits(num_px: int, head_px: int) -> bool:
            return sum(self._summary_widths(heads, cells, num_px, head_px)) <= room

        def largest(lo: int, hi: int, ok) -> int | None:
            if lo > hi or not ok(lo):
                return None
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if ok(mid) else (lo, mid - 1)
            return lo

        least = largest(8, max(min(name_px, head_max, num_max * 2 // 3), 8),
                        lambda s: fits(min(-(-3 * s // 2), num_max), s)) or 8
        if not fits(8, least):
            return None
        num_px = largest(8, num_max, lambda n: fits(n, least))
        head_px = largest(least, head_max, lambda h: fits(num_px, h))
        widths = self._summary_widths(heads, cells, num_px, head_px)
        return ((min(name_px, head_px, num_px * 2 // 3), num_px, head_px),
                (num_px, head_px, name_px, 0, widths))

    def _summary_widths(self, heads, cells, num_px: int, head_px: int) -> list[int]:
        """The number columns' widths: their widest text, header or value."""
        nf, hf = self.font(num_px), self.font(head_px)
        return [max([hf.size(heads[c])[0]] + [nf.size(r[c])[0] for r in cells])
                for c in range(1, len(heads))]

    def _summary_beside(self, heads, cells, room: int, row_h: int, head_h: int):
        """(score, layout) with the names beside their numbers: the sizes at which the
        smallest of the names, the headers and the numbers (read at two thirds, as they
        are meant to be larger) is largest; the number columns as wide as their widest
        text, the names (on two lines when that lets them be larger) the rest, at least a
        quarter.

        The largest sizes tried follow from the heights of a row and of the header line.
        On a screen narrow for its height (portrait, e.g. 480x800) the number columns would
        take more than three quarters of the width even at the smallest of those sizes, so
        there the sizes tried start lower: where the columns leave the names their
        quarter."""
        num_max = self._fit(["0"], room, row_h, row_h)
        head_max = min(self._fit(["0"], room, head_h, head_h), max(self.size[1] // 16, 12))
        least = room // 4

        def widths_at(num_px: int, head_px: int) -> list[int]:
            return self._summary_widths(heads, cells, num_px, head_px)

        def sizes(scale: float) -> tuple[int, int]:
            return max(round(num_max * scale), 8), max(round(head_max * scale), 8)

        top = 1.0
        if room - sum(widths_at(sizes(0.4)[0], sizes(0.5)[1])) < least:
            # None of the sizes tried would fit. Numbers larger than one and a half times
            # the headers would not be read larger (see the score), so they are not tried;
            # and all sizes start where the largest fit (text widths grow about in
            # proportion to the size).
            num_max = min(num_max, max(head_max * 3 // 2, 8))
            top = min((room - least) / max(sum(widths_at(*sizes(1.0))), 1), 1.0)
            while room - sum(widths_at(*sizes(top))) < least and min(sizes(top)) > 8:
                top *= 0.95
        best = None
        for kn in np.linspace(1.0, 0.4, 13):
            for kh in np.linspace(1.0, 0.5, 6):
                num_px, head_px = sizes(top * kn)[0], sizes(top * kh)[1]
                widths = widths_at(num_px, head_px)
                name_w = room - sum(widths)
                if name_w < least:
                    continue
                score, layout = self._summary_candidate(cells, num_px, head_px, name_w,
                                                        widths, row_h)
                if best is None or score > best[0]:
                    best = (score, layout)
        if best is None:  # too narrow for a quarter even at 8 px: the names get what is left
            widths = widths_at(8, 8)
            best = self._summary_candidate(cells, 8, 8, max(room - sum(widths), 8), widths,
                                           row_h)
        return best

    def _summary_candidate(self, cells, num_px: int, head_px: int, name_w: int, widths,
                           row_h: int):
        """(score, layout) of the summary table at these sizes and widths."""
        one = min([self._fit([r[0]], name_w, row_h, row_h) for r in cells] or [row_h])
        two = min([self._wrapped(r[0], name_w, row_h, row_h)[0] for r in cells] or [row_h])
        # names on two lines read as if a fifth smaller
        name_px, read = (two, two * 4 // 5) if two * 4 // 5 > one else (one, one)
        score = (min(read, head_px, num_px * 2 // 3), num_px, head_px)
        return score, (num_px, head_px, name_px, name_w, widths)
