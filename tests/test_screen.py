import dataclasses
import itertools
import string

import numpy as np
import pygame
import pytest

from feedback import i18n
from feedback.cli import main
from feedback.render import SCREENS, example_view
from feedback.screen import Screen

SIZES = [(800, 480), (480, 320), (1920, 1080)]
PORTRAIT = [(480, 800), (600, 1080), (480, 1080)]  # accepted too: a screen on its side
VIEWS = ["near", "far"]  # [screen] view


def near(view):
    """``view`` as the near view draws it ([screen] view = "near": the curve, the
    numbers, the exercise's name in the header)."""
    return dataclasses.replace(view, far=False)


def as_seen(view, seen: str):
    return dataclasses.replace(view, far=seen == "far")


def assert_texts_fit(screen: Screen, size) -> None:
    """Every text inside the screen, at least 8 px high, none over another."""
    area = pygame.Rect(0, 0, *size)
    assert len(screen.texts) >= 2
    for text, rect in screen.texts:
        assert area.contains(rect), f"{text!r} at {rect} leaves the {size} screen"
        assert rect.h >= 8
    for (a, ra), (b, rb) in itertools.combinations(screen.texts, 2):
        assert not ra.colliderect(rb), f"{a!r} {ra} overlaps {b!r} {rb}"


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("name", SCREENS)
@pytest.mark.parametrize("seen", VIEWS)
def test_no_text_outside_the_screen_or_overlapping(seen, name, lang, size):
    screen = Screen(size)
    screen.draw(as_seen(example_view(name, lang), seen))
    assert_texts_fit(screen, size)


@pytest.mark.parametrize("size", PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("rows", [1, 5, 8])
def test_the_summary_table_fits_a_portrait_screen(rows, lang, size):
    """The table's sizes were searched only from the row height down to 40 % of it, which
    on a screen taller than wide left no room for the names at any size tried: the end
    of every session failed with a TypeError."""
    import dataclasses

    view = example_view("summary", lang)
    view = dataclasses.replace(view, rows=(view.rows * 2)[:rows])
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)
    names = {r["name_nl" if lang == "nl" else "name_en"] for r in view.rows}
    drawn = " ".join(t for t, _r in screen.texts)
    assert all(name in drawn or all(w in drawn for w in name.split()) for name in names)
    assert not any(t.endswith("...") for t, _r in screen.texts)  # nothing cut short
    heads = [r for t, r in screen.texts if t == i18n.text("summary.in_sync", lang)]
    assert heads and heads[0].h >= 12


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_on_a_portrait_screen_the_summary_puts_names_above_their_numbers(lang):
    """At 480x800 the names beside seven columns were 18-20 px lines, the headers 13 px
    and the day's total, the patient's main news, a 16 px line. With each name on a line
    of its own above its numbers, and the total on two lines, names, numbers and the
    total are at least a 20th of the short side, the headers at least three quarters of
    that, and each row's numbers sit under their headers."""
    view = example_view("summary", lang)
    size = (480, 800)
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)
    least = min(size) / 20
    names = [row["name_nl" if lang == "nl" else "name_en"] for row in view.rows]
    heads = [i18n.text(k, lang) for k in Screen.SUMMARY_COLS[1:]]
    drawn = {t: r for t, r in screen.texts}
    assert all(name in drawn for name in names)  # whole, each on its line
    assert min(drawn[name].h for name in names) >= least
    assert min(drawn[h].h for h in heads) >= 0.75 * least
    total = [r for t, r in screen.texts if r.top > drawn[names[-1]].bottom]
    assert total and min(r.h for r in total) >= least
    for name in names:  # under its name, a number under each header (right-aligned)
        row = sorted((r for t, r in screen.texts
                      if drawn[name].bottom <= r.top < drawn[name].bottom + drawn[name].h
                      and t not in names), key=lambda r: r.left)
        assert len(row) == len(heads)
        assert min(r.h for r in row) >= least
        assert all(abs(r.right - drawn[h].right) <= 1 for r, h in zip(row, heads, strict=True))


def _summary_sizes(size, lang: str, rows: int) -> tuple[int, int, int]:
    """The summary of ``rows`` exercises drawn at ``size``, with each name whole on a line
    of its own: the heights of its smallest name, header and number."""
    import dataclasses
    import re

    view = example_view("summary", lang)
    view = dataclasses.replace(view, rows=(view.rows * 2)[:rows])
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)
    names = [row["name_nl" if lang == "nl" else "name_en"] for row in view.rows]
    heads = [i18n.text(k, lang) for k in Screen.SUMMARY_COLS[1:]]
    drawn = {t: r for t, r in screen.texts}
    assert i18n.text(Screen.SUMMARY_COLS[0], lang) not in drawn, size  # names beside
    assert all(name in drawn for name in names), size
    numbers = [r for t, r in screen.texts if re.fullmatch(r"[\d.,%-]+", t)
               and r.top > drawn[heads[0]].bottom]
    assert len(numbers) == len(heads) * rows
    return (min(drawn[n].h for n in names), min(drawn[h].h for h in heads),
            min(r.h for r in numbers))


@pytest.mark.parametrize("size", [(480, 1080), (600, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("rows", [1, 3, 5])
def test_a_taller_portrait_screen_reads_the_summary_no_smaller(rows, lang, size):
    """The sizes the names-above layout tried came down from the row's height to 40 % of
    it, and on a screen taller than 480x800 with few rows even that left the columns
    wider than the screen: 480x1080 (any number of rows) and 600x1080 (one row) kept the
    names beside their numbers, with 17 px headers where 480x800 has 25 (a larger screen
    read smaller). Now they too have each name on a line of its own above its numbers,
    and their smallest text is at least as large as on 480x800."""
    def smallest(names_heads_numbers):  # (numbers read at two thirds, as the layout does)
        names, heads, numbers = names_heads_numbers
        return min(names, heads, numbers * 2 / 3)

    small = _summary_sizes((480, 800), lang, rows)
    large = _summary_sizes(size, lang, rows)
    assert smallest(large) >= smallest(small), (large, small)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_session_left_standing_is_not_praised_on_its_summary(lang):
    """A session that ended because it stood still for 30 minutes (the patient walked
    away) was titled "Goed gedaan!" like a finished one."""
    import dataclasses

    shown = {}
    for left in (False, True):
        screen = Screen((800, 480))
        screen.draw(dataclasses.replace(example_view("summary", lang), left=left))
        shown[left] = [t for t, _r in screen.texts]
    assert i18n.text("summary.title", lang) in shown[False]
    assert i18n.text("summary.title", lang) not in shown[True]
    assert i18n.text("summary.title_left", lang) in shown[True]
    assert shown[True][1:] == shown[False][1:]  # the rest as after any session


@pytest.mark.parametrize("rows", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_on_a_landscape_screen_the_summary_keeps_names_beside_their_numbers(size, rows):
    """Names above their numbers are for screens taller than wide. On 800x480 with two
    exercises that arrangement won by its larger headers, which then stood far from
    numbers that no longer sat beside their names."""
    import dataclasses

    view = example_view("summary", "nl")
    view = dataclasses.replace(view, rows=(view.rows * 2)[:rows])
    screen = Screen(size)
    screen.draw(view)
    drawn = {t: r for t, r in screen.texts}
    assert i18n.text("summary.exercise", "nl") in drawn  # the names' column header
    first = view.rows[0]["name_nl"]
    number = i18n.number(view.rows[0]["minutes"], "nl", 1)
    assert drawn[first].top <= drawn[number].centery <= drawn[first].bottom + drawn[first].h


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("seen", VIEWS)
def test_the_hold_warning_frame_stays_clear_of_the_texts(seen, size):
    """The red frame was a 40th of the height thick; on a portrait screen that is wider
    than the side margins (fractions of the width) and covered the exercise's name."""
    from feedback.screen_style import WARN

    screen = Screen(size)
    screen.draw(as_seen(example_view("hold", "nl"), seen))
    x, thick = size[0] // 2, 0
    while tuple(screen.surface.get_at((x, thick)))[:3] == WARN:
        thick += 1
    assert thick >= 4
    inside = pygame.Rect(0, 0, *size).inflate(-2 * thick, -2 * thick)
    for text, rect in screen.texts:
        assert inside.contains(rect), f"{text!r} at {rect} under the {thick} px frame"


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_held_breath_is_warned_over_the_lower_third_to_be_read_from_afar(size):
    """On the usual banner "Blijf ademen!" was a 36 px capital at 800x480: 12 minutes of
    arc at 2 m, from a mat or a squat. It takes the lower third now, over the phase word
    and the numbers; another cue keeps its banner below them."""
    screen = Screen(size)
    view = near(example_view("hold", "nl"))
    screen.draw(view)
    texts = dict(screen.texts)
    words = i18n.text("cue.breathe_on", "nl")
    lines = [r for t, r in screen.texts if t in words.split() or t == words]
    assert lines and all(r.top >= 0.67 * size[1] for r in lines)
    said = max(lines, key=lambda r: r.h)
    assert said.h >= min(size) // 7
    assert i18n.number(view.rate_bpm, "nl", 0) not in texts  # (the numbers make way)
    other = Screen(size)
    other.draw(dataclasses.replace(view, warning=False, cue="slower"))
    slower = dict(other.texts)[i18n.text("cue.slower", "nl")]
    assert slower.top >= 0.82 * size[1] and slower.h < said.h
    assert i18n.number(view.rate_bpm, "nl", 0) in dict(other.texts)


def test_main_texts_are_large_enough_to_read_from_a_distance():
    # At 800x480 the cue and the numbers are at least 1/12 of the screen height.
    screen = Screen((800, 480))
    screen.draw(near(example_view("hold", "nl")))
    rects = dict(screen.texts)
    assert rects[i18n.text("cue.breathe_on", "nl")].h >= 480 / 12


# The Raspberry Pi 7" display: 800x480 pixels on 154.08 x 85.92 mm.
PANEL_7IN = {"size": (800, 480), "mm_per_px": 85.92 / 480}
# ISO 9241-3 (now 9241-303): a character at least 16 minutes of arc high, a capital's
# height measured (20-22 preferred).
LEAST_ARCMIN = 16.0


def capital_px(screen: Screen, text: str, rect: pygame.Rect) -> int:
    """How high a capital is in the line ``text`` drawn at ``rect`` (one of
    ``Screen.texts``): the rows of an "H" at the size that line was drawn at, whose ink
    covers at least half a pixel (the edge at 50 %, as the standard measures)."""
    px = next(p for p in range(8, 600) if screen.font(p).size(text)[1] >= rect.h)
    assert screen.font(px).size(text)[1] == rect.h, (text, rect)
    img = screen.font(px).render("H", True, (255, 255, 255))
    return sum(any(img.get_at((x, y))[3] >= 128 for x in range(img.get_width()))
               for y in range(img.get_height()))


def metres_readable(screen: Screen, text: str, rect: pygame.Rect, mm_per_px: float) -> float:
    """From how far ``text`` at ``rect`` has capitals of ``LEAST_ARCMIN``."""
    import math

    mm = capital_px(screen, text, rect) * mm_per_px
    return mm / (2 * math.tan(math.radians(LEAST_ARCMIN / 60) / 2)) / 1000


# The far view's main texts: the time left, the pacer's words, the hold warning and the
# cues. Two fall short of 2.5 m, held to the message area's width ("Niet forceren, adem
# rustig" on three lines: 2.4 m; "Breathe at your own pace", without a pacer, on two
# over the hint: 2.0 m): read at 1.9 m still.
FAR_SHORT = {"cue.dont_force", "phase.free"}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_far_view_s_main_texts_are_read_from_a_treatment_table(lang):
    """With [screen] view = "far", the exercise screen's main texts on the 7" 800x480
    panel have capitals of at least 16 minutes of arc (ISO 9241-3's least) at 2.5 m, the
    far end of a patient lying on the table 1.5-3 m away: 65 px. In the near view "nog
    3:37" is 34 px high, a 24 px capital: 16 minutes of arc at 0.9 m. The breaths left
    and a belt to check (below) are drawn large too."""
    size, mm_per_px = PANEL_7IN["size"], PANEL_7IN["mm_per_px"]
    base = dataclasses.replace(example_view("exercise", lang), far=True)
    views = {"time": base}
    for phase in ("inhale", "hold_in", "exhale", "hold_out", None):
        views[f"phase.{phase or 'free'}"] = dataclasses.replace(base, pacer_phase=phase)
    for cue in ("breathe_on", "longer_exhale", "slower", "dont_force", "belly", "good",
                "check_belt"):
        views[f"cue.{cue}"] = dataclasses.replace(base, cue=cue, warning=cue == "breathe_on")
    for key, view in views.items():
        said = (i18n.text("exercise.left", lang, time=i18n.clock(view.left_s))
                if key == "time" else i18n.text(key, lang))
        screen = Screen(size)
        screen.draw(view)
        assert_texts_fit(screen, size)
        lines = [(t, r) for t, r in screen.texts if t in said and len(t) > 1]
        assert " ".join(t for t, _r in lines) == said, (key, lines)  # whole, in order
        far = min(metres_readable(screen, t, r, mm_per_px) for t, r in lines)
        assert far >= (1.9 if key in FAR_SHORT else 2.5), (key, round(far, 2), lines)
    near_view = Screen(size)
    near_view.draw(near(base))
    ((text, rect),) = [(t, r) for t, r in near_view.texts
                       if t == i18n.text("exercise.left", lang, time=i18n.clock(base.left_s))]
    assert metres_readable(near_view, text, rect, mm_per_px) < 1.5
    # An exercise counted in breaths: "nog 12 ademhalingen" held to the width had 52 px
    # capitals (2.0 m); the number is as large as the time, the word small after it.
    for n in (12, 1):
        screen = Screen(size)
        screen.draw(dataclasses.replace(base, left_s=None, reps_left=n))
        assert_texts_fit(screen, size)
        number = i18n.counted("exercise.reps_number", lang, n, n=n)
        word = i18n.counted("exercise.reps_word", lang, n)
        parts = [(t, r) for t, r in screen.texts if t in (number, word)]
        assert " ".join(t for t, _r in parts) == i18n.counted("exercise.reps_left", lang, n,
                                                              n=n)
        ((_t, at),) = [(t, r) for t, r in parts if t == number]
        assert metres_readable(screen, number, at, mm_per_px) >= 2.5, (n, at)
    # One of two belts out: on the notice line "Controleer de buikband (band
    # losgekoppeld); de borstband meet verder" had 20 px capitals (0.8 m). Its head is
    # large on a banner in the pacer word's place, the rest small under it; held to the
    # banner's width on two lines, "Controleer de borstband" reads at 2.1 m.
    from types import SimpleNamespace

    from feedback.coach_notices import belt_notice

    for belt in ("belly", "chest"):
        rules = SimpleNamespace(partial=[("disconnected", belt)], belts=["chest", "belly"])
        head, detail = (belt_notice(rules, lang, f"sensor.partial_{k}") for k in ("head",
                                                                                  "detail"))
        screen = Screen(size)
        screen.draw(dataclasses.replace(base, notice=belt_notice(rules, lang),
                                        notice_head=head, notice_detail=detail))
        assert_texts_fit(screen, size)
        for said, far in ((head, 2.1), (detail, 0.8)):  # (the rest: as on the line)
            lines = [(t, r) for t, r in screen.texts if t in said and len(t) > 2]
            assert " ".join(t for t, _r in lines) == said, (belt, lines)
            least = min(metres_readable(screen, t, r, mm_per_px) for t, r in lines)
            assert least >= far, (said, round(least, 2))
    # The belt screen (the only belt out: the exercise waits) and the unit's fault screen:
    # their titles on one line had 48 px capitals (1.85 m); the far view's, on up to two,
    # are as large as its main texts.
    for fault, key in (("disconnected", "sensor.title"), ("unit", "unit.title")):
        view = dataclasses.replace(example_view("sensor", lang), fault=fault)
        said = i18n.text(key, lang)
        reads = {}
        for seen in VIEWS:
            screen = Screen(size)
            screen.draw(as_seen(view, seen))
            assert_texts_fit(screen, size)
            lines = [(t, r) for t, r in screen.texts if t in said and len(t) > 2]
            assert " ".join(t for t, _r in lines) == said, (fault, seen, lines)
            reads[seen] = min(metres_readable(screen, t, r, mm_per_px) for t, r in lines)
        assert reads["far"] >= 2.5 and reads["near"] < 2.0, (fault, reads)


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    def luminance(c):
        lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4
               for x in (v / 255 for v in c[:3])]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("cue", ["breathe_on", "check_belt", "good", "slower"])
@pytest.mark.parametrize("seen", VIEWS)
def test_every_cue_banner_s_text_stands_out_from_its_banner(seen, cue):
    """The cue banner's text, as drawn, against the banner's colour: at least 3:1 (WCAG's
    least for large text; the cue is read from the floor, 1-3 m away). "Controleer de
    band" was white on orange, 2.1:1. (The far view draws it on more lines.)"""
    import dataclasses

    screen = Screen((800, 480))
    screen.draw(dataclasses.replace(as_seen(example_view("exercise", "nl"), seen), cue=cue))
    said = i18n.text(f"cue.{cue}", "nl")
    rects = [r for t, r in screen.texts if t == said or (t in said and seen == "far")]
    assert rects
    for rect in rects:
        pixels = [tuple(screen.surface.get_at((x, y)))[:3]
                  for x in range(rect.left, rect.right) for y in range(rect.top, rect.bottom)]
        ground = max(set(pixels), key=pixels.count)
        ink = max(pixels, key=lambda p: contrast_ratio(p, ground))  # the text's own colour
        assert contrast_ratio(ink, ground) >= 3.0, (cue, ink, ground)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("seen", VIEWS)
def test_praise_during_an_exercise_does_not_read_as_the_end_of_the_session(seen, lang):
    """The patient leaflet says to take the belt off and pull the plug once the summary's
    title is on the screen; the praise shown each minute of a good exercise must not say
    the same. In English both were "Well done!"."""
    screen = Screen((800, 480))
    screen.draw(dataclasses.replace(as_seen(example_view("exercise", lang), seen), cue="good"))
    praise = " ".join(" ".join(t for t, _ in screen.texts).split()).casefold()
    assert " ".join(i18n.text("cue.good", lang).split()).casefold() in praise
    screen.draw(example_view("summary", lang))
    titles = [t for t, _ in screen.texts if t in (i18n.text("summary.title", lang),
                                                 i18n.text("summary.title_left", lang))]
    assert titles
    for title in titles + [i18n.text("summary.title_left", lang)]:
        assert title.casefold() not in praise, (lang, title)


@pytest.mark.parametrize("size", [(800, 480), (480, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("belt", ["belly", "chest"])
def test_the_far_view_s_belt_to_check_stands_out_from_its_orange_banner(belt, size):
    """The far view draws a belt to check ("Controleer de buikband", and what is wrong
    under it) on the belt cue's orange banner, in its dark text: at least 3:1 against
    it, as every cue. Its text is drawn in the screen's ground colour, so without the
    banner under all of it, it is not there at all."""
    from types import SimpleNamespace

    from feedback.coach_notices import belt_notice
    from feedback.screen_style import CUE_BG

    rules = SimpleNamespace(partial=[("disconnected", belt)], belts=["chest", "belly"])
    head, detail = (belt_notice(rules, "nl", f"sensor.partial_{k}") for k in ("head",
                                                                             "detail"))
    screen = Screen(size)
    screen.draw(dataclasses.replace(example_view("exercise", "nl"), far=True,
                                    notice=belt_notice(rules, "nl"), notice_head=head,
                                    notice_detail=detail))
    lines = [(t, r) for t, r in screen.texts if t in head or t in detail]
    words = " ".join(t for t, _r in lines).split()
    assert sorted(words) == sorted(f"{head} {detail}".split()), lines  # (all of it)
    for text, rect in lines:
        pixels = [tuple(screen.surface.get_at((x, y)))[:3]
                  for x in range(rect.left, rect.right) for y in range(rect.top, rect.bottom)]
        ground = max(set(pixels), key=pixels.count)
        ink = max(pixels, key=lambda p: contrast_ratio(p, ground))
        assert ground == CUE_BG["check_belt"], (text, ground)
        assert contrast_ratio(ink, ground) >= 3.0, (text, ink, ground)


def test_long_text_is_shrunk_to_fit():
    screen = Screen((480, 320))
    line = "Een heel lange zin die nooit in honderd pixels past"
    box = pygame.Rect(10, 10, 300, 40)
    assert screen.font(box.h).size(line)[0] > box.w  # too wide at the box's own size
    r = screen.text(line, box)
    assert screen.texts == [(line, r)]  # the whole text, smaller, not cut short
    assert box.contains(r) and r.h < box.h


def test_text_too_long_even_at_the_smallest_size_is_cut_with_dots():
    screen = Screen((480, 320))
    box = pygame.Rect(10, 10, 100, 40)
    line = "Een heel lange zin die nooit in honderd pixels past"
    r = screen.text(line, box)
    ((drawn, rect),) = screen.texts
    assert drawn.endswith("...") and line.startswith(drawn[:-3]) and len(drawn) < len(line)
    assert rect == r and box.contains(r)


def test_every_string_exists_in_both_languages():
    nl, en = i18n.STRINGS["nl"], i18n.STRINGS["en"]
    assert set(nl) == set(en)
    assert all(v.strip() for v in list(nl.values()) + list(en.values()))
    fields = string.Formatter().parse
    for key in nl:                       # same placeholders in both
        assert sorted(f for _, f, _, _ in fields(nl[key]) if f) == sorted(
            f for _, f, _, _ in fields(en[key]) if f), key


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_a_measure_is_named_alike_on_the_exercise_screen_the_summary_and_the_status_line(lang):
    """The patient reads breaths a minute and the exhale:inhale ratio under one name each:
    the English summary said "br/min" where the exercise screen, the status line and the
    report say "breaths/min" (the Dutch says "adem/min" in all of them)."""
    for measure in ("rate", "ratio"):
        label = i18n.text(f"exercise.{measure}", lang)
        assert i18n.text(f"summary.{measure}", lang) == label, (lang, measure)
        assert label in i18n.text("status.exercise", lang), (lang, measure)


def test_every_string_that_counts_has_its_form_for_one():
    """A string with a count in it ({n} breaths, {sessions} sessions) has a KEY.one form
    in both languages, and ``counted`` picks it: "nog 1 ademhalingen", "1 sessies" are
    what a count without one says."""
    counts = ("n", "sessions")
    fields = string.Formatter().parse
    for key, said in i18n.STRINGS["nl"].items():
        if key.endswith(".one") or not {f for _, f, _, _ in fields(said)} & set(counts):
            continue
        for lang in i18n.LANGUAGES:
            assert f"{key}.one" in i18n.STRINGS[lang], (lang, key)
            one = i18n.counted(key, lang, 1, n=1, sessions=1)
            assert "{" not in one and one == i18n.text(f"{key}.one", lang), (lang, key, one)


def test_every_cue_and_phase_has_a_string():
    from feedback.events import CUE_KINDS, FAULT_KINDS
    from feedback.pacer import PHASES

    keys = set(i18n.STRINGS["nl"])
    assert {f"cue.{k}" for k in CUE_KINDS} <= keys
    assert {f"phase.{p}" for p in PHASES} <= keys
    assert {f"sensor.{k}" for k in FAULT_KINDS[:5]} <= keys


def test_dutch_numbers_use_a_decimal_comma():
    assert i18n.number(1.5, "nl") == "1,5" and i18n.number(1.5, "en") == "1.5"
    assert i18n.number(None) == "-" and i18n.clock(125) == "2:05"


def test_render_command(tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["render", "exercise", "--out", str(out), "--size", "480x320"]) == 0
    assert pygame.image.load(str(out)).get_size() == (480, 320)
    assert main(["render", "summary", "--out", str(out), "--size", "480x800"]) == 0
    assert pygame.image.load(str(out)).get_size() == (480, 800)
    assert main(["render", "nonsense", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no screen 'nonsense'; valid: idle, calibration, exercise" in err
    assert main(["render", "idle", "--out", str(out), "--size", "big"]) == 2
    assert "--size 'big': give width x height" in capsys.readouterr().err
    assert main(["render", "idle", "--out", str(out), "--size", "100x50"]) == 2
    assert main(["render", "idle", "--out", str(tmp_path / "no" / "x.png")]) == 2


@pytest.mark.parametrize("lang, minutes, expected", [
    ("nl", 3.2, "Vandaag geoefend: 3,2 van 5 min"), ("en", 3.2, "Practised today: 3.2 of 5 min"),
    ("nl", 3.0, "Vandaag geoefend: 3 van 5 min"),
    ("nl", 9.0, "Vandaag geoefend: 9 min, doel gehaald"),
    ("en", 9.0, "Practised today: 9 min, goal reached")])
def test_the_start_screen_shows_practice_against_the_home_target(lang, minutes, expected):
    from feedback.view import View

    screen = Screen((800, 480))
    screen.draw(View(screen="idle", lang=lang, programme="Thuis", today_min=minutes,
                     today_target=5.0))
    assert expected in [text for text, _rect in screen.texts]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("size", [(800, 480), (480, 320), (480, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_treatment_room_s_screens_give_the_minutes_without_the_home_target(lang, size):
    """The home target ([patient] daily_minutes, "4 van 5 min", green "doel gehaald")
    showed on the start and summary screens of a unit running the clinic programme, the
    treatment room's, where it is no patient's target (the report says so too). There the
    minutes show alone; with the home programme, against the target. The first analysis
    (``analysis``, also in the treatment room) showed "3 van 5 min": only the key "clinic"
    was taken for the treatment room; a programme's ``home_practice`` says it now."""
    from feedback.programme import SHIPPED, load_programme
    from feedback.view import minutes as shown_minutes

    home = load_programme(SHIPPED / "home.toml", "home")
    analysis = load_programme(SHIPPED / "analysis.toml", "analysis")
    for name in ("idle", "summary"):
        target = i18n.text("idle.met" if name == "idle" else "summary.total_met", lang,
                           minutes="9", minutes_unit="", target="5", target_unit="")
        for programme, shown in ((None, False), (home, True), (analysis, False)):
            view = example_view(name, lang, programme=programme)
            assert view.home == shown
            for minutes in (3.2, 9.0):  # (short of the 5 min, and past them)
                screen = Screen(size)
                screen.draw(dataclasses.replace(view, today_min=minutes, notice=None))
                drawn = " ".join(t for t, _r in screen.texts)
                said = shown_minutes(minutes, lang)
                assert said in drawn
                of = " van " if lang == "nl" else " of "
                assert (f"{said}{of}" in drawn) == (shown and minutes < 5), (name, drawn)
                met = target.split(":")[-1].split()[-1] if name == "summary" else target
                assert (met in drawn) == (shown and minutes >= 5), (name, met, drawn)
                assert_texts_fit(screen, size)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_minutes_in_the_clinic_are_not_green_as_a_target_met(lang):
    """Green says the home target is met: with the home programme 9 of 5 minutes read
    green on the start screen and the summary; in the treatment room, with no target,
    the same 9 minutes read in the text's own colour."""
    from feedback.programme import SHIPPED, load_programme
    from feedback.screen_style import GREEN
    from feedback.view import minutes as shown_minutes

    home = load_programme(SHIPPED / "home.toml", "home")
    said = shown_minutes(9.0, lang)
    for name in ("idle", "summary"):
        for programme, green in ((None, False), (home, True)):
            view = example_view(name, lang, programme=programme)
            screen = Screen((800, 480))
            screen.draw(dataclasses.replace(view, today_min=9.0, notice=None))
            lines = [(t, r) for t, r in screen.texts if f"{said} " in t
                     and (t.startswith(i18n.text("idle.today", lang)) or name == "summary")
                     and "/" not in t]
            assert lines, (name, screen.texts)
            line, rect = lines[-1]
            colours = {tuple(screen.surface.get_at((x, y)))[:3]
                       for x in range(rect.left, rect.right) for y in range(rect.top, rect.bottom)}
            shown = any(sum(abs(a - b) for a, b in zip(c, GREEN, strict=True)) < 60
                        for c in colours)
            assert shown == green, (name, line)


@pytest.mark.parametrize("lang, done, target, expected", [
    ("nl", 0.5, 1.0, "Vandaag 0,5 van de 1 minuut geoefend"),
    ("nl", 1.0, 1.0, "Vandaag 1 minuut geoefend: doel van 1 minuut gehaald"),
    ("nl", 1.2, 1.0, "Vandaag 1,2 minuten geoefend: doel van 1 minuut gehaald"),
    ("nl", 2.9, 5.0, "Vandaag 2,9 van de 5 minuten geoefend"),
    ("nl", 1.04, 1.05, "Vandaag 1 van de 1,1 minuten geoefend"),  # (not "1 van de 1")
    ("nl", 1.05, 1.05, "Vandaag 1 minuut geoefend: doel van 1 minuut gehaald"),
    ("en", 0.5, 1.0, "0.5 of 1 minute practised today"),
    ("en", 1.0, 1.0, "1 minute practised today: goal of 1 minute reached"),
    ("en", 7.5, 7.5, "7.5 minutes practised today: goal of 7.5 minutes reached")])
def test_the_summary_s_minutes_today_say_one_minute_in_the_singular(lang, done, target,
                                                                    expected):
    """A therapist's daily_minutes = 1 read "doel van 1 minuten gehaald"."""
    import dataclasses

    view = dataclasses.replace(example_view("summary", lang), today_min=done,
                               today_target=target, notice=None, home=True)
    screen = Screen((800, 480))
    screen.draw(view)
    assert expected in [t for t, _r in screen.texts]


@pytest.mark.parametrize("size", [(800, 480), (480, 320)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["exercise", "calibration", "hold"])
@pytest.mark.parametrize("seen", VIEWS)
def test_a_frame_drawn_over_the_last_one_equals_one_drawn_whole(seen, name, size):
    """Calibration and exercise frames redraw only their moving parts over the last
    frame; the result must be the same picture as drawing it from scratch."""
    import dataclasses

    first = as_seen(example_view(name, "nl"), seen)
    moved = dataclasses.replace(first, progress=min(1.0, first.progress + 0.2),
                                patient_level=0.9, pacer_level=0.1,
                                curve_t=None if first.curve_t is None else first.curve_t - 4.0)
    reused = Screen(size)
    reused.draw(first)
    reused.draw(moved)
    fresh = Screen(size)
    fresh.draw(moved)
    assert pygame.image.tobytes(reused.surface, "RGB") == pygame.image.tobytes(
        fresh.surface, "RGB")
    assert sorted(t for t, _ in reused.texts) == sorted(t for t, _ in fresh.texts)
    # and a still part that changes (the time left) is redrawn
    later = dataclasses.replace(moved, left_s=(moved.left_s or 60.0) - 1.0, reps_left=None)
    reused.draw(later)
    fresh = Screen(size)
    fresh.draw(later)
    assert pygame.image.tobytes(reused.surface, "RGB") == pygame.image.tobytes(
        fresh.surface, "RGB")


@pytest.mark.parametrize("name", ["exercise", "hold"])
@pytest.mark.parametrize("seen", VIEWS)
def test_an_exercise_s_new_name_is_drawn_at_once(seen, name):
    """The exercise's name is a still part: when it alone changes (a programme reloaded
    with the exercise renamed, a breath count and the free pacer's word unchanged for
    seconds), the next frame shows the new name, not the old one."""
    first = as_seen(example_view(name, "nl"), seen)
    renamed = dataclasses.replace(first, exercise="Buik")
    reused = Screen((800, 480))
    reused.draw(first)
    reused.draw(renamed)
    fresh = Screen((800, 480))
    fresh.draw(renamed)
    assert "Buik" in [t for t, _ in reused.texts]
    assert pygame.image.tobytes(reused.surface, "RGB") == pygame.image.tobytes(
        fresh.surface, "RGB")


@pytest.mark.parametrize("px", [9, 16, 23, 24, 40, 90, 200])
def test_all_digits_are_equally_wide_so_a_fitted_size_serves_every_number(px):
    """Screen._fit remembers a size per text with its digits read as 0 (the time left
    changes every second); that is only right if every digit is as wide."""
    from feedback.fonts import Font

    f = Font(px)
    assert len({f.size(d)[0] for d in "0123456789"}) == 1
    assert f.size("nog 3:19")[0] == f.size("nog 0:00")[0]


def test_the_summary_shows_how_many_breaths_were_in_rhythm_with_the_pacer():
    from feedback.view import View

    rows = [{"name_nl": "Buikademhaling", "name_en": "Belly", "minutes": 5.0, "rate_bpm": 6.0,
             "ratio": 2.0, "holds": 0, "cues": {},
             "following": {"in_sync": 0.8, "too_fast": 0.2, "too_slow": 0.0}},
            {"name_nl": "Bewegen", "name_en": "Moving", "minutes": 2.0, "rate_bpm": 9.0,
             "ratio": 1.4, "holds": 1, "cues": {"breathe_on": 1}, "following": {}}]
    screen = Screen((800, 480))
    screen.draw(View(screen="summary", lang="nl", rows=rows, today_min=7.0, today_target=5))
    drawn = [t for t, _r in screen.texts]
    assert "in ritme" in drawn and "80%" in drawn
    assert drawn[drawn.index("Bewegen"):].count("-") == 1  # no pacer: no share


def test_the_ratio_reads_as_out_in_with_its_target():
    """'1,0× langer uit' read wrong for a ratio of 1 or less: the number is exhale:inhale,
    labelled so, beside the target."""
    from feedback.view import View

    screen = Screen((800, 480))
    screen.draw(View(screen="exercise", lang="nl", exercise="Buik", rate_bpm=6.0, ratio=1.0,
                     target_rate=5.0, target_ratio=2.29, pacer_phase="exhale",
                     pacer_level=0.5))
    drawn = [t for t, _r in screen.texts]
    assert "1,0" in drawn and "uit:in (doel ≥2,3)" in drawn  # (the least the cue accepts)
    screen.draw(View(screen="exercise", lang="en", exercise="Belly", ratio=0.8,
                     target_ratio=1.75, pacer_phase="exhale", pacer_level=0.5))
    drawn = [t for t, _r in screen.texts]
    assert "0.8" in drawn and "out:in (target ≥1.8)" in drawn
    screen.draw(View(screen="exercise", lang="en", exercise="Belly", ratio=None,
                     pacer_phase="exhale", pacer_level=0.5))
    drawn = [t for t, _r in screen.texts]
    assert "-" in drawn and "out:in" in drawn  # no ratio yet, no pacer: no target


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang, said", [("nl", "Buikademhaling liggend (pauze)"),
                                        ("en", "Belly breathing lying down (paused)")])
def test_the_belt_screen_says_which_exercise_waits_and_if_it_is_paused(size, lang, said):
    from feedback.view import View

    name = said.rsplit(" (", 1)[0]
    for paused, line in ((False, name), (True, said)):
        for notice in ("", "USB-stick: export klaar, je kunt hem eruit halen"):
            high = {}
            for seen in VIEWS:
                screen = Screen(size)
                screen.draw(View(screen="sensor", lang=lang, fault="disconnected",
                                 fault_belts=("belly",), exercise=name, paused=paused,
                                 notice=notice, far=seen == "far"))
                drawn = dict(screen.texts)
                assert line in drawn
                high[seen] = drawn[line].h
                area = pygame.Rect(0, 0, *size)
                for (a, ra), (b, rb) in itertools.combinations(screen.texts, 2):
                    assert area.contains(ra) and not ra.colliderect(rb), \
                        f"{a!r} {ra} / {b!r} {rb}"
            # The far view's line is no smaller than the near view's (with a notice it
            # was two thirds of it: 21 px high at 800x480, 14 at 480x320, under the
            # least the exercise's name may have).
            assert high["far"] >= high["near"], (paused, notice, high)


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang, label", [("nl", "buik (doel ≥40%)"),
                                         ("en", "belly (target ≥40%)")])
def test_two_belts_add_the_belly_share_beside_rate_and_ratio(size, lang, label):
    from feedback.view import View

    screen = Screen(size)
    screen.draw(View(screen="exercise", lang=lang, exercise="Buikademhaling liggend",
                     rate_bpm=6.0, ratio=1.5, target_rate=5.0, target_ratio=1.7,
                     belly_pct=62.4, belly_target=40.0, pacer_phase="exhale",
                     pacer_level=0.5, left_s=150.0))
    drawn = dict(screen.texts)
    name, goal = label.split(" (")
    assert "62%" in drawn
    assert label in drawn or (name in drawn and goal[:-1] in drawn)  # on two lines
    area = pygame.Rect(0, 0, *size)
    for (a, ra), (b, rb) in itertools.combinations(screen.texts, 2):
        assert area.contains(ra) and not ra.colliderect(rb), f"{a!r} {ra} overlaps {b!r} {rb}"
    one = Screen(size)
    one.draw(View(screen="exercise", lang=lang, exercise="Buikademhaling liggend",
                  rate_bpm=6.0, ratio=1.5, pacer_phase="exhale", pacer_level=0.5))
    assert not any("%" in t for t, _r in one.texts)  # one belt: no share to show
    first = Screen(size)  # two belts, before the exercise's first breath: the column waits
    first.draw(View(screen="exercise", lang=lang, exercise="Buikademhaling liggend",
                    rate_bpm=6.0, ratio=1.5, target_rate=5.0, target_ratio=1.7,
                    two_belts=True, belly_target=40.0, pacer_phase="exhale",
                    pacer_level=0.5, left_s=150.0))
    assert [r for t, r in first.texts if t in (label, name)] == [
        r for t, r in screen.texts if t in (label, name)]  # in the same place
    assert "-" in dict(first.texts) and not any(t[:-1].isdigit() and t.endswith("%")
                                                 for t, _r in first.texts)


def test_the_example_of_a_two_belt_config_shows_its_belly_column():
    """``ademcoach render exercise`` with a config of two belts (chest and belly): the
    example shows the belly column the unit will show ("62%", "buik (doel >=40%)"), so
    the therapist sees the screen as the patient will (before, the example breaths had
    no belly share and the column was missing); with one belt there is none."""
    from feedback.config import defaults

    settings = defaults()
    settings.sensor["belts"], settings.sensor["channels"] = ["chest", "belly"], ["A0", "A1"]
    view = near(example_view("exercise", "nl", settings))
    assert view.two_belts and view.belly_pct == pytest.approx(62.0)
    assert view.belly_target == pytest.approx(40.0)
    screen = Screen((800, 480))
    screen.draw(view)
    assert "62%" in dict(screen.texts)
    assert example_view("exercise", "nl").belly_pct is None  # one belt (the shipped config)


# --- the far view's belly gauge (two belts) ----------------------------------------------

def _two_belts():
    from feedback.config import defaults

    settings = defaults()
    settings.sensor["belts"], settings.sensor["channels"] = ["chest", "belly"], ["A0", "A1"]
    return settings


def far_belly(lang: str = "nl", belly: float = 62.0, screen: str = "exercise",
              exercise: str | None = None, **changes):
    """The far view's exercise screen of a patient on two belts breathing ``belly`` %
    into the belly (negative: paradoxically), in the clinic's belly exercise (or
    ``exercise``), with ``changes`` to its view."""
    view = example_view(screen, lang, _two_belts(), exercise=exercise, belly=belly)
    return dataclasses.replace(view, far=True, **changes)


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_with_two_belts_the_summary_gives_each_exercise_s_belly_share(lang, size):
    """Belly or chest breathing is what the therapy is about, and two belts measure it
    breath by breath, but the summary's table had no column for it: the patient saw it
    only on the exercise screen, the therapist only in the report. Each exercise's median
    share (the report's figure) is now a column of its own, beside exhale:inhale, in
    the header's column, readable, with every text on the screen and none overlapping;
    an exercise in which no breath was measured has '-' there; with one belt there is no
    such column."""
    view = example_view("summary", lang, _two_belts(), belly=58.0)
    assert view.rows and all(r["belly_pct"] == pytest.approx(58.0) for r in view.rows)
    view = dataclasses.replace(view, rows=[dict(view.rows[0], belly_pct=None), *view.rows[1:]])
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)

    def heads(key):
        return [r for t, r in screen.texts if t == i18n.text(key, lang)]

    head = heads("summary.belly")
    cells = [r for t, r in screen.texts if t == "58%"]
    assert len(head) == 1 and len(cells) == len(view.rows) - 1
    assert head[0].h >= 12 and all(c.right == head[0].right for c in cells)  # (right-aligned)
    assert len([r for t, r in screen.texts if t == "-" and r.right == head[0].right]) == 1
    (ratio,), (holds,) = heads("summary.ratio"), heads("summary.holds")
    assert ratio.right < head[0].left and head[0].right < holds.left  # (after exhale:inhale)
    one = Screen(size)
    one.draw(example_view("summary", lang))
    assert i18n.text("summary.belly", lang) not in dict(one.texts)
    # A paradoxical breather (the belly drawn in as the chest rises) reads "-54%", as on
    # the exercise screen: "54%" read as a pass (the report gives the share of such breaths)
    wrong = Screen(size)
    wrong.draw(example_view("summary", lang, _two_belts(), belly=-54.0))
    assert "-54%" in dict(wrong.texts) and "54%" not in dict(wrong.texts)
    assert not any(t.endswith("%") and t != "100%" for t, _r in one.texts)


def gauge(screen: Screen) -> pygame.Rect | None:
    found = [r for name, r in screen.shapes if name == "belly"]
    assert len(found) <= 1
    return found[0] if found else None


def along(screen: Screen, box: pygame.Rect) -> list[tuple]:
    """The colours drawn along the gauge's middle line, from its start (left; at the
    bottom on a portrait screen, where it stands upright)."""
    if box.w >= box.h:
        return [tuple(screen.surface.get_at((x, box.centery)))[:3]
                for x in range(box.left, box.right)]
    return [tuple(screen.surface.get_at((box.centerx, y)))[:3]
            for y in range(box.bottom - 1, box.top - 1, -1)]


def across(screen: Screen, box: pygame.Rect, colours) -> int:
    """How thick the gauge is drawn in ``colours``, near its far end (the track)."""
    if box.w >= box.h:
        return sum(tuple(screen.surface.get_at((box.right - 2, y)))[:3] in colours
                   for y in range(box.top - 5, box.bottom + 5))
    return sum(tuple(screen.surface.get_at((x, box.top + 1)))[:3] in colours
               for x in range(box.left - 5, box.right + 5))


def runs(colours: list[tuple], of) -> list[tuple[int, int]]:
    """(start, length) of each run of ``of`` colours along ``colours``."""
    out, i = [], 0
    while i < len(colours):
        if colours[i] in of:
            j = i
            while j < len(colours) and colours[j] in of:
                j += 1
            out.append((i, j - i))
            i = j
        else:
            i += 1
    return out


@pytest.mark.parametrize("size", SIZES + PORTRAIT + [(1280, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_with_two_belts_the_far_view_shows_the_belly_share_beside_the_pacer(lang, size):
    """The far view left the belly's share out: with two belts only the "Adem naar je
    buik" cue said where the breath went, and in the belly exercise that share is what
    the patient trains. A gauge by the pacer disc shows each breath's share now, taking
    its room from the disc's, so every text stays where it was, at its size (the time
    left, the pacer's word, the hint, a cue, the hold warning). Only with two belts and
    where the belly cue applies, as the near view's target: not in the ribs exercise,
    which asks for the chest, nor with one belt."""
    from feedback.screen_style import PHASE

    area = pygame.Rect(0, 0, *size)
    for v in (far_belly(lang), far_belly(lang, cue="belly"), far_belly(lang, -54.0),
              far_belly(lang, 30.0, screen="hold"),
              far_belly(lang, notice="USB: 3 sessies gekopieerd"),
              far_belly(lang, belly_pct=None)):  # (before the first)
        screen = Screen(size)
        screen.draw(v)
        assert_texts_fit(screen, size)
        box = gauge(screen)
        assert box is not None, v.belly_pct
        frame = max(min(size) // 40, 4)  # (the hold warning's frame: clear of it)
        assert area.inflate(-2 * frame, -2 * frame).contains(box), box
        for text, rect in screen.texts:
            assert not rect.colliderect(box), f"{text!r} at {rect} over the gauge {box}"
        drawn = set(along(screen, box))
        assert not drawn & set(PHASE.values()), "the pacer disc runs into the gauge"
        one = Screen(size)  # the same screen without the share: every text as it was
        one.draw(dataclasses.replace(v, two_belts=False, belly_pct=None, belly_target=None))
        assert gauge(one) is None
        assert sorted(screen.texts) == sorted(one.texts)
    for v in (dataclasses.replace(example_view("exercise", lang), far=True),  # one belt
              far_belly(lang, exercise="ribs"),  # the belly cue is off: the chest's turn
              near(far_belly(lang))):  # (the near view has its number: "buik 62%")
        screen = Screen(size)
        screen.draw(v)
        assert gauge(screen) is None, (v.exercise, v.far)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_belly_gauge_is_read_from_a_treatment_table(lang):
    """What the patient reads off the gauge is where its fill ends against the target
    mark, and on which side of its zero. The rule: the gauge as thick as a capital the
    far view's texts must have, 16 minutes of arc at 2.5 m (ISO 9241-3's least; 65 px on
    the 7" 800x480 panel), and each detail that carries its meaning (the target mark,
    the step a breath 10 points short of the mark leaves before it) at least a fifth of
    that, a capital's stroke, the detail the eye resolves to read such a letter (3.2
    minutes of arc, 13 px)."""
    import math

    from feedback.screen_style import BG, FG, PANEL, UNDER

    size, mm_per_px = PANEL_7IN["size"], PANEL_7IN["mm_per_px"]

    def arcmin(px: int) -> float:
        return math.degrees(2 * math.atan(px * mm_per_px / 2 / 2500.0)) * 60

    screens = {}
    for share in (20.0, 30.0):
        screens[share] = Screen(size)
        screens[share].draw(far_belly(lang, share))
    screen = screens[30.0]
    box = gauge(screen)
    thick = across(screen, box, (PANEL,))
    assert arcmin(thick) >= LEAST_ARCMIN, (thick, round(arcmin(thick), 1))
    line = along(screen, box)
    ((_at, mark),) = runs(line, (FG,))
    assert arcmin(mark) >= LEAST_ARCMIN / 5, (mark, round(arcmin(mark), 1))
    filled = {share: sum(n for _i, n in runs(along(s, box), (UNDER,)))
              for share, s in screens.items()}
    step = filled[30.0] - filled[20.0]
    assert arcmin(step) >= LEAST_ARCMIN / 5, (filled, round(arcmin(step), 1))
    # the mark stands apart from a fill that reaches it: edged in the ground's colour
    reached = Screen(size)
    reached.draw(far_belly(lang, 62.0))
    line = along(reached, box)
    ((at, n),) = runs(line, (FG,))
    assert line[at - 1] == BG and line[at + n] == BG


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
def test_paradoxical_breathing_reads_apart_from_a_small_share_and_a_met_target_apart_from_both(
        size):
    """A paradoxical breath (the belly drawn in as the chest rises: "buik -54%" in the
    near view) is no small share: it fills the other side of the gauge's zero, in
    stripes; a small share fills the track from its zero, solid. A share that meets the
    target reaches past its mark, one short of it ends before. Each by where it is
    drawn and by its pattern, so no meaning rests on the colours alone."""
    from feedback.screen_style import BG, FG, MET, PANEL, UNDER, YELLOW

    drawn = {}
    for share in (5.0, -5.0, -54.0, 25.0, 62.0):
        screen = Screen(size)
        screen.draw(far_belly("nl", share))
        drawn[share] = along(screen, gauge(screen))
    solid, stripes = (MET, UNDER), (YELLOW,)
    small, wrong = runs(drawn[5.0], solid), runs(drawn[-54.0], stripes)
    assert len(small) == 1 and not runs(drawn[5.0], stripes)
    assert len(wrong) >= 2 and not runs(drawn[-54.0], solid)  # (stripes: several runs)
    assert runs(drawn[-5.0], stripes) and not runs(drawn[-5.0], solid)
    # behind the zero: all the stripes end before the track (where the small fill
    # begins) starts
    zero = small[0][0]
    assert max(i + n for i, n in wrong + runs(drawn[-5.0], stripes)) <= zero
    assert drawn[-54.0][zero] == PANEL and drawn[-5.0][zero] == PANEL  # the track: empty
    assert all(c in (BG, PANEL, YELLOW) for c in drawn[-54.0][:zero])
    # past the target's mark, or short of it
    ((mark, width),) = runs(drawn[62.0], (FG,))
    met = runs(drawn[62.0], solid)
    assert max(i + n for i, n in met) > mark + width
    assert max(i + n for i, n in runs(drawn[25.0], solid)) < mark
    assert {drawn[62.0][i] for i, _n in met} != {drawn[25.0][i] for i, _n in
                                                   runs(drawn[25.0], solid)}


@pytest.mark.parametrize("size", [(800, 480), (480, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_met_belly_share_reads_apart_from_a_short_one_in_every_colour_vision(size):
    """Near the target mark where the fill ends cannot say it (a share 2 points short
    ends under the mark), so the fill's colour must: met and short differ in lightness,
    at least 3:1 (WCAG's least for a graphic), as the drawn pixels are seen with normal
    vision, protanopia, deuteranopia and tritanopia; each fill at least 3:1 against the
    empty track. The bluish green and the grey were 1.3:1 with deuteranopia (both a grey
    of about the same lightness)."""
    from colour_vision import VISIONS, contrast

    from feedback.screen_style import BELLY_BACK

    fills, track = {}, set()
    for share in (38.0, 42.0):  # (the mark: 40 %)
        screen = Screen(size)
        screen.draw(far_belly("nl", share))
        box = gauge(screen)
        line = along(screen, box)
        zero = round(BELLY_BACK * len(line))
        inside = line[zero + (len(line) - zero) // 10: zero + (len(line) - zero) // 5]
        assert len(set(inside)) == 1, (share, set(inside))  # (solid)
        fills[share] = inside[0]
        track.add(line[-2])
    (empty,) = track
    assert fills[38.0] != empty and fills[42.0] != empty
    for vision in VISIONS:
        assert contrast(fills[38.0], fills[42.0], vision) >= 3.0, (
            vision, fills, round(contrast(fills[38.0], fills[42.0], vision), 2))
        for share, fill in fills.items():
            assert contrast(fill, empty, vision) >= 3.0, (vision, share, fill, empty)


@pytest.mark.parametrize("size", [(800, 480), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("seen", VIEWS)
def test_the_patient_s_own_circle_stands_out_from_the_pacer_disc(seen, size):
    """The patient's own level is a white circle on the pacer disc; lagging behind, it
    lies on the disc's phase colour, where white was 2.1:1 on the blue and the orange
    and 1.7:1 on the pause's warm white, below the 3:1 a graphic needs (WCAG 1.4.11)
    for low vision or a bright room. Every pixel next to the circle, inside or outside
    it, is at least 3:1 from its white, with every colour vision."""
    from colour_vision import VISIONS, contrast

    from feedback.screen_style import FG

    w, h = size
    for phase in ("inhale", "hold_in", "exhale"):
        for pacer, patient in ((0.9, 0.4), (0.3, 0.8)):
            screen = Screen(size)
            screen.draw(dataclasses.replace(as_seen(example_view("exercise", "nl"), seen),
                                            pacer_phase=phase, pacer_level=pacer,
                                            patient_level=patient))
            px = pygame.surfarray.array3d(screen.surface)
            white = np.all(px == np.array(FG), axis=2)
            for _t, r in screen.texts:
                white[r.left:r.right, r.top:r.bottom] = False
            white[int(0.38 * w):, :] = False  # (the disc's column: not the curve's)
            white[:, :int(0.19 * h)] = False  # (nor the header)
            xs, ys = np.nonzero(white)
            assert len(xs) > 20, (phase, pacer, patient)  # (the circle is there)
            near_by = set()
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                nx, ny = xs + dx, ys + dy
                out = ~white[nx, ny]
                near_by |= {tuple(int(c) for c in px[x, y]) for x, y in
                            zip(nx[out], ny[out], strict=True)}
            for vision in VISIONS:
                worst = min(near_by, key=lambda c, v=vision: contrast(c, FG, v))
                assert contrast(worst, FG, vision) >= 3.0, (
                    seen, phase, pacer, patient, vision, worst,
                    round(contrast(worst, FG, vision), 2))


@pytest.mark.parametrize("size", [(800, 480), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_patient_s_circle_is_as_wide_as_their_breath(size):
    """The patient's own circle follows their level, the pacer's disc the pacer's: a gap
    between them is lagging behind. A thin ring, from the disc's smallest size at level 0
    to its edge at 1, wherever the pacer is."""
    from feedback.screen_style import FG

    w, h = size
    radii = {}
    for level in (0.0, 0.5, 1.0):
        screen = Screen(size)
        screen.draw(dataclasses.replace(example_view("exercise", "nl"), pacer_phase="inhale",
                                        pacer_level=0.5, patient_level=level))
        white = np.all(pygame.surfarray.array3d(screen.surface) == np.array(FG), axis=2)
        for _t, r in screen.texts:
            white[r.left:r.right, r.top:r.bottom] = False
        white[int(0.38 * w):, :] = False  # (the disc's column: not the curve's)
        white[:, :int(0.19 * h)] = False  # (nor the header)
        xs, ys = np.nonzero(white)
        cx, cy = xs.mean(), ys.mean()
        d = np.hypot(xs - cx, ys - cy)
        radii[level] = float(np.median(d))
        assert d.max() - d.min() < 0.3 * radii[level], (level, d.min(), d.max())  # a ring
    assert radii[0.0] < radii[0.5] < radii[1.0]
    assert radii[0.0] == pytest.approx(0.35 * radii[1.0], rel=0.15)
    assert radii[0.5] == pytest.approx((radii[0.0] + radii[1.0]) / 2, rel=0.1)


def reached(screen: Screen, box: pygame.Rect, colours) -> list[int]:
    """Where along the gauge (from its start, as ``along``) anything is drawn in
    ``colours``, over its whole thickness (the stripes cross its middle line only in
    places)."""
    px = pygame.surfarray.pixels3d(screen.surface)
    part = px[box.left:box.right, box.top:box.bottom]
    hit = np.zeros(part.shape[:2], dtype=bool)
    for c in colours:
        hit |= np.all(part == np.array(c, dtype=part.dtype), axis=2)
    del px, part
    if box.w >= box.h:
        return np.flatnonzero(hit.any(axis=1)).tolist()
    return sorted((box.h - 1 - np.flatnonzero(hit.any(axis=0))).tolist())


@pytest.mark.parametrize("size", [(800, 480), (480, 800), (1920, 1080)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_belly_gauge_s_fill_is_as_long_as_the_share(size):
    """What the patient reads is how far the fill reaches: a share fills that share of
    the track from the zero (a 10 % share was not told from 14 % with a least fill of
    two strokes), a paradoxical one that share of the part behind the zero (-54 % drawn
    as a stroke's width read as -5 %, and -100 % as -50 %). A belly that does not move
    (0 %) has the least fill on the track: no paradoxical breath. The part behind the
    zero is outlined only, not filled as the track is: the fill starts at the zero, not
    in the middle of a grey bar."""
    from feedback.screen_style import BELLY_THICK, BG, FG, MET, PANEL, UNDER, YELLOW

    solid, stripes = (MET, UNDER), (YELLOW,)
    stroke = max(-(-round(BELLY_THICK * min(size)) // 5), 3)
    drawn = {}
    for share in (None, 0.0, 5.0, 10.0, 62.0, 100.0, -5.0, -54.0, -100.0):
        screen = Screen(size)
        screen.draw(dataclasses.replace(far_belly("nl"), belly_pct=share))
        box = gauge(screen)
        drawn[share] = (along(screen, box), reached(screen, box, stripes))
    line, _ = drawn[5.0]
    zero = runs(line, solid)[0][0]
    ahead = len(line) - zero
    assert zero >= 2 * stroke, (zero, stroke)  # (it is measured)
    empty, _ = drawn[None]
    assert empty[0] == PANEL and empty[zero] == PANEL  # the outline, the track
    assert empty[:zero].count(BG) >= 0.8 * zero, empty[:zero]  # behind the zero: open
    # the mark's edge as wide on both sides: a fill just past it is not hidden by a
    # wider gap after it
    for share in (None, 62.0):
        line, _ = drawn[share]
        ((mark, width),) = runs(line, (FG,))
        before = next(k for k in range(mark) if line[mark - 1 - k] != BG)
        after = next(k for k in range(len(line)) if line[mark + width + k] != BG)
        assert before == after >= 1, (share, before, after)
    for share in (0.0, 10.0, 62.0, 100.0):
        line, yellow = drawn[share]
        fill = runs(line, solid)
        assert fill and fill[0][0] == zero and not yellow, (share, fill)
        end = max(i + n for i, n in fill) - zero
        assert abs(end - max(round(ahead * share / 100), stroke // 2)) <= 1, (share, end)
    for share in (-5.0, -54.0, -100.0):
        line, yellow = drawn[share]
        assert not runs(line, solid) and yellow and max(yellow) < zero, share
        depth = zero - min(yellow)
        assert abs(depth - max(round(zero * -share / 100), stroke)) <= 1, (share, depth)


def disc_width(screen: Screen, away: pygame.Rect | None) -> int:
    """The pacer disc's width as drawn: the longest run along a row of its colours (its
    ground and the phase's), ``away`` (the gauge) and the progress bar (a run over most
    of the width) left out."""
    from feedback.screen_style import PANEL, PHASE

    px = pygame.surfarray.pixels3d(screen.surface)
    disc = sum(((px[:, :, 0] == c[0]) & (px[:, :, 1] == c[1]) & (px[:, :, 2] == c[2])
                for c in {PANEL, *PHASE.values()}), start=px[:, :, 0] < 0)
    del px
    if away is not None:
        disc[away.left:away.right, away.top:away.bottom] = False
    widest = 0
    for y in range(screen.size[1]):
        edges = (disc[1:, y].astype(int) - disc[:-1, y]).tolist()
        starts = [0] * bool(disc[0, y]) + [x + 1 for x, d in enumerate(edges) if d == 1]
        ends = [x + 1 for x, d in enumerate(edges) if d == -1] + [screen.size[0]] * bool(
            disc[-1, y])
        widest = max([widest] + [b - a for a, b in zip(starts, ends, strict=True)
                                 if b - a < 0.9 * screen.size[0]])
    return widest


@pytest.mark.parametrize("size", SIZES + PORTRAIT + [(1280, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_belly_gauge_leaves_the_pacer_disc_its_size(size):
    """The gauge takes its room from the disc's, but the disc is what the patient
    breathes with from the mat: it keeps its size beside the gauge (192 px at 800x480,
    200 at 480x800; 442 of 470 at 1920x1080), never squeezed to a dot by the gauge and
    the gap before it."""
    v = far_belly("nl")
    two = Screen(size)
    two.draw(v)
    one = Screen(size)
    one.draw(dataclasses.replace(v, two_belts=False, belly_pct=None, belly_target=None))
    alone, beside = disc_width(one, None), disc_width(two, gauge(two).inflate(2, 2))
    assert alone >= min(size) // 4, alone  # (it is measured)
    assert beside >= 0.9 * alone, (beside, alone)


@pytest.mark.parametrize("size", SIZES + PORTRAIT + [(1280, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("share", [62.0, -54.0, None])
def test_the_belly_gauge_stands_clear_of_the_pacer_disc(size, share):
    """Nothing else is drawn in a margin around the gauge: the disc's grey ground (the
    colour of the gauge's track) running into it would make the two one shape, and the
    disc-colour check along the gauge's middle cannot see it."""
    from feedback.screen_style import BG

    screen = Screen(size)
    screen.draw(dataclasses.replace(far_belly("nl"), belly_pct=share))
    box = gauge(screen)
    margin = max(min(size) // 100, 2)
    px = pygame.surfarray.pixels3d(screen.surface)
    ground = np.all(px == np.array(BG, dtype=px.dtype), axis=2)
    del px
    around = np.zeros_like(ground)
    outer = box.inflate(2 * margin, 2 * margin).clip(screen.surface.get_rect())
    around[outer.left:outer.right, outer.top:outer.bottom] = True
    around[box.left:box.right, box.top:box.bottom] = False
    assert ground[around].all(), f"{(~ground[around]).sum()} px of something else by the gauge"


@pytest.mark.parametrize("size", [(800, 480), (480, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_new_breath_s_belly_share_is_drawn_at_once(size):
    """The gauge is a still part of the screen, drawn again only when what it shows
    changes: the next breath's share shows in the next frame."""
    first = far_belly("nl", 62.0)
    reused = Screen(size)
    reused.draw(first)
    for share in (-54.0, 25.0, None):
        later = dataclasses.replace(first, belly_pct=share)
        reused.draw(later)
        fresh = Screen(size)
        fresh.draw(later)
        assert pygame.image.tobytes(reused.surface, "RGB") == pygame.image.tobytes(
            fresh.surface, "RGB"), share
        assert reused.shapes == fresh.shapes


def test_the_example_shows_the_belly_share_asked_for(tmp_path, capsys):
    """``ademcoach render exercise --belly PCT`` with a config of two belts: the example
    patient breathes so much into the belly (negative: paradoxically), for a therapist to
    see the screens of such a patient (before, every example breathed 62 %); one belt
    has no share to show."""
    two = tmp_path / "two.toml"
    two.write_text('[sensor]\nbelts = ["chest", "belly"]\nchannels = ["A0", "A1"]\n')
    one = tmp_path / "one.toml"
    one.write_text("[sensor]\nbelts = [\"belly\"]\n")
    out = tmp_path / "x.png"
    assert main(["render", "exercise", "--config", str(two), "--belly", "-54",
                 "--out", str(out)]) == 0
    view = near(example_view("exercise", "nl", _two_belts(), belly=-54))
    assert view.belly_pct == pytest.approx(-54.0)
    screen = Screen((800, 480))
    screen.draw(view)
    assert "-54%" in dict(screen.texts)
    assert main(["render", "exercise", "--config", str(one), "--belly", "40",
                 "--out", str(out)]) == 2
    assert "needs a config with two belts" in capsys.readouterr().err
    assert main(["render", "exercise", "--config", str(two), "--belly", "140",
                 "--out", str(out)]) == 2
    assert "from -100 to 100" in capsys.readouterr().err
    # The value as given: rounded, 100.4 read "--belly 100: give ... from -100 to 100",
    # and nan "--belly -".
    for given in ("100.4", "nan", "-inf"):
        assert main(["render", "exercise", "--config", str(two), f"--belly={given}",
                     "--out", str(out)]) == 2
        assert f"--belly {given}: give the belly's share" in capsys.readouterr().err


def test_the_example_patient_breathes_at_the_pacer_s_rate_on_the_numbers_too():
    """Its curve followed the pacer, but its breaths were 10 s long whatever the pacer:
    "6 adem/min (doel 5)" under a curve in rhythm with the clinic's 5.2/min belly pacer,
    "6 (doel 7)" with a home pacer at 7/min, and half the clinic's paced breaths out of
    rhythm on the example summary. A therapist previewing a programme read a patient
    off target."""
    from feedback.config import defaults

    view = example_view("exercise", "nl")
    assert view.target_rate == pytest.approx(60 / 11.5, abs=0.05)
    assert view.rate_bpm == pytest.approx(view.target_rate, abs=0.05)
    assert view.ratio >= view.target_ratio
    settings = defaults()
    settings.pacer["pattern"], settings.pacer["rate_bpm"] = "rate", 7.0
    settings.pacer["ratio"] = 1.3
    view = example_view("exercise", "nl", settings, exercise="ribs")
    assert view.rate_bpm == pytest.approx(7.0, abs=0.05) == view.target_rate
    paced = [r for r in example_view("summary", "nl").rows if r["following"]]
    assert len(paced) == 2 and all(r["following"]["in_sync"] == 1.0 for r in paced), paced


@pytest.mark.parametrize("lang, belt, said", [("nl", "belly", "band losgekoppeld (buikband)"),
                                              ("en", "chest", "belt unplugged (chest belt)"),
                                              ("nl", "resp", "band losgekoppeld (resp)")])
def test_the_belt_screen_says_which_belt(lang, belt, said):
    from feedback.view import View

    screen = Screen((800, 480))
    screen.draw(View(screen="sensor", lang=lang, fault="disconnected",
                     fault_belts=(belt,)))
    assert said in [t for t, _r in screen.texts]


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("seen", ["far", "near"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_calibration_without_a_breath_says_to_check_the_belt_in_its_main_text(
        lang, seen, size):
    """A belt not worn: the calibration had its time and measured nothing. "Adem rustig in
    en uit" stayed large, and "Nog geen ademhaling gemeten" was a notice on the bottom
    line (20 px at 800x480 in the far view: read at 0.8 m from a mat at 2.5 m). Now
    "Controleer de band" takes the main text's place, in orange, and the question the
    wait line's, each as large as what it replaces."""
    from feedback.screen_style import ORANGE
    from feedback.view import View

    def drawn(missing):
        screen = Screen(size)
        screen.draw(View(screen="calibration", lang=lang, exercise="Kalibratie",
                         far=seen == "far", breath_missing=missing))
        return screen, dict(screen.texts)

    said = {k: i18n.text(k, lang) for k in ("calibration.say", "calibration.wait",
                                             "sensor.title", "calibration.none")}
    before, was = drawn(False)
    screen, now = drawn(True)
    words = " ".join(" ".join(now).split())
    assert said["calibration.say"] not in words and said["calibration.wait"] not in words
    assert " ".join(said["calibration.none"].split()) in words
    title = [r for t, r in screen.texts if t in said["sensor.title"]]
    assert title and " ".join(t for t, _r in screen.texts
                              if t in said["sensor.title"]) == said["sensor.title"]
    old = [r for t, r in before.texts if t in said["calibration.say"]]
    assert min(r.h for r in title) >= 0.9 * min(r.h for r in old), (title, old)
    line = [r for t, r in screen.texts if t in said["calibration.none"]]
    wait = [r for t, r in before.texts if t in said["calibration.wait"]]
    assert min(r.h for r in line) >= 0.8 * min(r.h for r in wait), (line, wait)
    px = pygame.surfarray.pixels3d(screen.surface)
    box = title[0]
    inside = px[box.left:box.right, box.top:box.bottom].reshape(-1, 3)
    assert (np.abs(inside.astype(int) - ORANGE).sum(axis=1) < 30).sum() > 50  # in orange
    area = pygame.Rect(0, 0, *size)
    for (a, ra), (b, rb) in itertools.combinations(screen.texts, 2):
        assert area.contains(ra) and not ra.colliderect(rb), f"{a!r} {ra} / {b!r} {rb}"


@pytest.mark.parametrize("seen", ["far", "near"])
def test_the_running_screen_says_to_check_the_belt_once_the_calibration_waits(seen):
    """As on the unit: one screen drawn frame after frame while the calibration runs
    with no breath measured. At its 60 s "Controleer de band" takes the main text's
    place. Its layer of still parts was kept (the screen, the notice and the name were
    the same), so "Adem rustig in en uit" stayed on the unit's screen."""
    from feedback.coach import Coach, Snapshot
    from feedback.config import defaults
    from feedback.programme import SHIPPED, load_programme

    settings = defaults()
    settings.screen["view"] = seen
    coach = Coach(settings, load_programme(SHIPPED / "clinic.toml"), 0.0)
    coach.button("start_pause", 0.0)
    screen, still = Screen((800, 480)), Snapshot()
    shown = {}
    for k in range(0, 70 * 10):
        t = k / 10
        coach.tick(t, still)
        screen.draw(coach.view(t, still))
        shown[t] = " ".join(" ".join(text for text, _r in screen.texts).split())
    check, calm = i18n.text("sensor.title", "nl"), i18n.text("calibration.say", "nl")
    assert calm in shown[30.0] and check not in shown[30.0]
    assert check in shown[65.0] and calm not in shown[65.0], shown[65.0]
    assert i18n.text("calibration.none", "nl") in shown[69.9]


@pytest.mark.parametrize("size", [(800, 480), (480, 320)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("seen", ["far", "near"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_measuring_chip_not_answering_is_no_belt_to_check(lang, seen, size):
    """The ADS1115 inside the unit not answering (``i2c``) said "Controleer de band" and
    asked whether the belt was on and plugged in: the patient checked a belt that was
    fine. It is the unit's fault: its title, and that it is not the belt."""
    from feedback.view import View

    def drawn(fault):
        screen = Screen(size)
        screen.draw(View(screen="sensor", lang=lang, fault=fault, exercise="Belly",
                         far=seen == "far"))
        area = pygame.Rect(0, 0, *size)
        assert all(area.contains(r) for _t, r in screen.texts)
        return " ".join(" ".join(t for t, _r in screen.texts).split())

    chip, belt = drawn("i2c"), drawn("disconnected")
    said = {k: " ".join(i18n.text(k, lang).split()) for k in (
        "unit.title", "sensor.title", "sensor.i2c", "sensor.i2c_body", "sensor.body",
        "sensor.waits")}
    assert said["unit.title"] in chip and said["sensor.i2c"] in chip
    assert said["sensor.waits"] in chip and said["sensor.waits"] in belt  # ("Belly" waits)
    assert said["sensor.i2c_body"] in chip and {"nl": "niet aan de band",
                                                "en": "not the belt"}[lang] in chip
    assert said["sensor.title"] not in chip and said["sensor.body"] not in chip
    assert said["sensor.title"] in belt and said["sensor.body"] in belt  # (a belt: as was)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("practised", [4.6, 4.96, 5.0, 7.25])
def test_todays_minutes_never_read_as_the_target_met_before_it_is(practised, lang):
    """4.6 of 5 minutes must not say '5 van 5' (rounded up) in white: the number and
    the colour agree, on the start screen and in the summary sentence."""
    from feedback.screen_style import GREEN
    from feedback.view import View

    for view in (View(screen="idle", lang=lang, programme="Thuis", today_min=practised),
                 View(screen="summary", lang=lang, today_min=practised)):
        screen = Screen((800, 480))
        screen.draw(view)
        if view.screen == "idle":
            line, rect = next((t, r) for t, r in screen.texts
                              if t.startswith(i18n.text("idle.today", lang)))
            said = line.split(": ")[1]
        else:
            line, rect = screen.texts[-1]  # the sentence under the table
            said = line.removeprefix("Vandaag ")
        shown = float(said.split()[0].replace(",", "."))
        met = practised >= 5.0
        assert (shown >= 5.0) == met, line
        assert shown <= practised and practised - shown < 0.1, line
        colours = {tuple(screen.surface.get_at((x, y)))[:3]
                   for x in range(rect.left, rect.right) for y in range(rect.top, rect.bottom)}
        green = any(sum(abs(a - b) for a, b in zip(c, GREEN, strict=True)) < 60
                    for c in colours)
        assert green == met, line


def test_the_summarys_tips_count_corrections_not_praise():
    from feedback.view import View

    row = {"id": "belly_lying", "name_nl": "Buik", "name_en": "Belly",
           "minutes": 5.0, "breaths": 30, "rate_bpm": 6.0, "ratio": 1.8, "holds": 0,
           "cues": {"good": 4, "slower": 2, "longer_exhale": 1, "check_belt": 1},
           "following": {}}
    screen = Screen((800, 480))
    screen.draw(View(screen="summary", rows=[row], today_min=5.0))
    row_y = dict(screen.texts)["Buik"].centery
    cells = [t for t, r in screen.texts if r.top <= row_y <= r.bottom]
    # exercise, min, breaths/min, out:in, held, tips, in rhythm
    tip = cells[5]
    assert tip == "3", cells                 # slower 2 + longer_exhale 1; no praise


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_at_480x320_the_summary_headers_and_two_belt_labels_are_readable(lang):
    """At 480x320 the summary's column headers were 9 px lines and its numbers ran
    together ('1 100%'); with two belts the labels under the numbers were 9 px."""
    from feedback.view import View

    screen = Screen((480, 320))
    view = example_view("summary", lang)
    view.rows[1]["cues"] = {"slower": 12}
    view.rows[1]["following"] = {"in_sync": 1.0}
    screen.draw(view)
    heads = {i18n.text(f"summary.{k}", lang) for k in ("exercise", "minutes", "rate",
                                                        "ratio", "holds", "cues", "in_sync")}
    rects = [r for t, r in screen.texts if t in heads]
    assert len(rects) == 7 and min(r.h for r in rects) >= 12
    for _name, row_rect in screen.texts[8:]:
        row = sorted((r for t, r in screen.texts if r.top <= row_rect.centery <= r.bottom
                      and t not in heads), key=lambda r: r.left)
        assert all(b.left - a.right >= 8 for a, b in zip(row, row[1:], strict=False))
    two = Screen((480, 320))
    two.draw(View(screen="exercise", lang=lang, exercise="Buik", rate_bpm=6.0, ratio=1.5,
                  target_rate=5.0, target_ratio=1.7, belly_pct=62.4, belly_target=40.0,
                  pacer_phase="exhale", pacer_level=0.5))
    labels = [r for t, r in two.texts if t.startswith(
        (i18n.text("exercise.rate", lang), i18n.text("exercise.ratio", lang),
         i18n.text("exercise.belly", lang), i18n.text("exercise.target", lang)))]
    assert len(labels) >= 3 and min(r.h for r in labels) >= 12


NOTICES = {"nl": "Controleer de buikband (band losgekoppeld); de borstband meet verder",
           "en": "Check the belly belt (belt disconnected); the chest belt measures on"}


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("name", [s for s in SCREENS if s != "config"])
@pytest.mark.parametrize("seen", VIEWS)
def test_the_notice_line_is_at_the_bottom_and_readable(seen, name, lang, size):
    """A notice (a belt out, a rejected config, a USB export, a failing part) is drawn at
    the bottom of the screen, as the docs say, wrapped in a band as high as the hint
    line's. It was a strip at the very top, its text shrunk to one line: 8 px high at
    480x320, unreadable at arm's length. Nothing else may be under it; a cue on the
    exercise screen goes first (the notice is back when the cue ends). (The far view's
    exercise screen draws a belt to check, a notice with a head, on a banner of its own:
    test_the_far_view_s_main_texts_are_read_from_a_treatment_table.)"""
    import dataclasses

    view = dataclasses.replace(as_seen(example_view(name, lang), seen), notice=NOTICES[lang],
                               notice_head=None, notice_detail=None)
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)
    words = NOTICES[lang].split()
    title = i18n.text("sensor.title", lang)  # (the far view's belt screen: "Controleer" "de band")
    belly = i18n.text("exercise.belly", lang)  # (the near view's column, kept while a belt is out)
    drawn = [(t, r) for t, r in screen.texts if t.split()[0] in words and t in NOTICES[lang]
             and t not in title and t != belly]
    if view.cue:
        assert not drawn
        return
    assert " ".join(t for t, _r in drawn) == NOTICES[lang]  # whole, not cut short
    for _t, r in drawn:
        assert r.top >= 0.8 * size[1]
        assert r.h >= min(size) / 18, f"{r.h} px high"  # (was 8 px at 480x320)


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_summary_says_how_to_go_back_unless_a_notice_takes_its_line(lang, size):
    """The summary stays until a button is pressed, and said nothing of it: a patient at
    home was left looking at the table. Its bottom line says to press the start button,
    readable and clear of the table; a notice takes that line while it shows."""
    import dataclasses

    press = i18n.text("summary.press", lang)
    screen = Screen(size)
    screen.draw(example_view("summary", lang))
    (rect,) = [r for t, r in screen.texts if t == press]
    assert rect.h >= 14 and rect.bottom > 0.85 * size[1]
    assert_texts_fit(screen, size)
    screen = Screen(size)
    screen.draw(dataclasses.replace(example_view("summary", lang), notice=NOTICES[lang]))
    shown = [t for t, _r in screen.texts]
    assert press not in shown and any(NOTICES[lang].startswith(t[:10]) for t in shown)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("rows", [5, 8])
def test_a_notice_leaves_the_summary_headers_readable_at_480x320(rows, lang):
    """While a notice shows at the bottom the summary's table makes room; with eight
    exercises its headers fell to 10 px."""
    import dataclasses

    view = example_view("summary", lang)
    view = dataclasses.replace(view, rows=(view.rows * 2)[:rows], notice=NOTICES[lang])
    screen = Screen((480, 320))
    screen.draw(view)
    assert_texts_fit(screen, (480, 320))
    heads = {i18n.text(f"summary.{k}", lang) for k in ("exercise", "minutes", "rate",
                                                        "ratio", "holds", "cues", "in_sync")}
    rects = [r for t, r in screen.texts if t in heads]
    assert len(rects) == 7 and min(r.h for r in rects) >= 12


@pytest.mark.parametrize("size", [(480, 320), (800, 480)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_config_screen_says_the_rules_in_its_language(tmp_path, size):
    """A rejected config on the Dutch screen: the rule itself in Dutch (it was English,
    under a Dutch title), key names and values as the file writes them; English on the
    English screen, as check-config says it."""
    from words_check import english_left

    from feedback.config import load_config
    from feedback.config_rules import ConfigError
    from feedback.view import config_error_view

    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text("[pacer]\nexhale_s = 40\n\n[sensor]\nbelts = [\"chest\", \"belly\"]\n"
                   "[ring]\npixel = 24\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    err2 = pytest.raises(ConfigError, load_config, cfg.with_name("missing.toml"))
    drawn = {}
    for lang in ("nl", "en"):
        screen = Screen(size)
        screen.draw(config_error_view([*err.value.problems, *err2.value.problems][:4], lang))
        assert_texts_fit(screen, size)
        drawn[lang] = " ".join(t for t, _r in screen.texts)
    assert ("ademcoach.toml, regel 2: pacer.exhale_s = 40: moet tussen 2 en 20 seconden "
            "liggen") in drawn["nl"]
    assert "sensor.channels: noemt 1 kanaal voor 2 banden" in drawn["nl"]
    assert "missing.toml: dit bestand bestaat niet" in drawn["nl"]
    assert not english_left(drawn["nl"]), english_left(drawn["nl"])
    assert ("ademcoach.toml, line 2: pacer.exhale_s = 40: must be between 2 and 20 "
            "seconds") in drawn["en"]


@pytest.mark.parametrize("lang, n, said", [("nl", 1, "nog 1 ademhaling"),
                                           ("nl", 2, "nog 2 ademhalingen"),
                                           ("en", 1, "1 breath left"),
                                           ("en", 7, "7 breaths left")])
def test_the_breaths_left_are_counted_in_good_dutch_and_english(lang, n, said):
    """"nog 1 ademhalingen", "1 breaths left" on the lifting exercise's screen; and as
    readable as the time left is on the other exercises (it had a fixed quarter of the
    line and was 13 px high at 480x320). The far view draws the number large and the
    word small after it ("nog 1" "ademhaling"), in that order."""
    import dataclasses

    for name, least in (("Tillen: uitademen bij inspanning", 19), ("x" * 60, 19),
                        ("Buik", 22)):  # (shipped; the longest; short: the whole line's)
        view = dataclasses.replace(example_view("exercise", lang), reps_left=n, left_s=None,
                                   exercise=name)
        screen = Screen((480, 320))
        screen.draw(near(view))
        assert_texts_fit(screen, (480, 320))
        (r,) = [r for t, r in screen.texts if t == said]
        assert r.h >= least, (name, r.h)
        screen = Screen((480, 320))
        screen.draw(as_seen(view, "far"))
        assert_texts_fit(screen, (480, 320))
        parts = (i18n.counted("exercise.reps_number", lang, n, n=n),
                 i18n.counted("exercise.reps_word", lang, n))
        assert " ".join(t for t, _r in screen.texts if t in parts) == said


@pytest.mark.parametrize("size", [(800, 480), (480, 320), (480, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_far_view_s_breaths_left_keep_their_size_as_they_count_down(lang, size):
    """The far view's number of breaths left grew at 10 -> 9 ("nog 9" 90 px high after
    "nog 10" at 67, 480x800) and the exercise's name beside it changed size: the line
    keeps the size of two digits, and the name its place, from 12 down to 1."""
    import dataclasses

    base = dataclasses.replace(example_view("exercise", lang), left_s=None,
                               exercise="Tillen: uitademen bij inspanning")
    seen = set()
    for n in (12, 10, 9, 2, 1):
        screen = Screen(size)
        screen.draw(as_seen(dataclasses.replace(base, reps_left=n), "far"))
        assert_texts_fit(screen, size)
        number = i18n.counted("exercise.reps_number", lang, n, n=n)
        (r,) = [r for t, r in screen.texts if t == number]
        name = tuple((r.x, r.y, r.w, r.h) for t, r in screen.texts if t in base.exercise)
        seen.add((r.h, name))
    assert len(seen) == 1, seen


def drawn_font(screen: Screen, text: str, rect: pygame.Rect) -> pygame.font.Font:
    """The font ``text`` at ``rect`` (one of ``Screen.texts``) was drawn in."""
    return screen.font(next(p for p in range(8, 600)
                            if screen.font(p).size(text)[1] >= rect.h))


@pytest.mark.parametrize("size", [(800, 480), (480, 800), (1920, 1080)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_far_view_s_breaths_left_read_as_one_line(lang, size):
    """The far view's breaths left: the number large, the word small after it a space
    away, on the number's baseline ("nog 5" and "ademhalingen" read as one line, as the
    time left does), in the top line, clear of the progress bar under it."""
    base = dataclasses.replace(example_view("exercise", lang), far=True, left_s=None)
    for n in (12, 1):
        screen = Screen(size)
        screen.draw(dataclasses.replace(base, reps_left=n))
        assert_texts_fit(screen, size)
        number = i18n.counted("exercise.reps_number", lang, n, n=n)
        word = i18n.counted("exercise.reps_word", lang, n)
        ((_n, big),) = [(t, r) for t, r in screen.texts if t == number]
        ((_w, small),) = [(t, r) for t, r in screen.texts if t == word]
        baseline = {t: r.top + drawn_font(screen, t, r).ascent()
                    for t, r in ((number, big), (word, small))}
        assert abs(baseline[number] - baseline[word]) <= 1, (n, big, small)
        space = drawn_font(screen, word, small).size(" ")[0]
        assert 0 <= small.left - big.right <= space + 1, (n, big, small)
        assert small.bottom <= screen._far_boxes(False, False)["bar"].top, (n, small)


@pytest.mark.parametrize("lang, n, said", [
    ("nl", 1, "USB-stick: 1 sessie gekopieerd"), ("nl", 3, "USB-stick: 3 sessies gekopieerd"),
    ("en", 1, "USB stick: 1 session copied, settings not installed"),
])
def test_the_usb_notice_counts_sessions_in_good_dutch_and_english(lang, n, said):
    status = "refused" if "not installed" in said else "ok"
    assert i18n.counted(f"export.{status}", lang, n, sessions=n) == said


# The longest names and hints: the shipped programmes' and the most the programme schema
# allows (feedback/programme.py: names 60 characters, hints 120).
LONG_NAMES = {
    "nl": ["Tillen: uitademen bij inspanning", "Blijf ademen tijdens bewegen",
           "Krat tillen vanaf de grond: uitademen bij het optillen",
           "Krat tillen vanaf de grond: uitademen bij het optillen ervan"],
    "en": ["Belly breathing, lying down", "Keep breathing while moving",
           "Lifting a crate off the floor: breathe out as you lift it up"],
}
LONG_HINTS = {
    "nl": ["Kniebuigingen, draaien, bukken, traplopen: blijf doorademen",
           "Zet je voeten op heupbreedte, buig je knieën, houd je rug recht en adem rustig "
           "uit terwijl je het krat optilt en neerzet"],
    "en": ["Standing up, bending, reaching: keep breathing",
           "Put your feet hip-width apart, bend your knees, keep your back straight and "
           "breathe out slowly as you lift up the crate."],
}


def _header_and_hint(screen: Screen, size, name: str, hint: str):
    """(the name's lines, the hint's lines, what is left) as drawn: (text, rect) each."""
    texts = screen.texts
    bar = screen._bar_box()
    top = [(t, r) for t, r in texts if r.bottom <= bar.top]
    title = [(t, r) for t, r in top if t.removesuffix("...") in name]
    left = [(t, r) for t, r in top if (t, r) not in title]
    hints = [(t, r) for t, r in texts if r.top >= 0.82 * size[1]
             and t.removesuffix("...") in hint]
    return title, hints, left


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("reps", [False, True], ids=["time", "breaths"])
def test_long_names_and_hints_wrap_and_stay_readable(reps, lang, size):
    """A 54-character name was 8-10 px high at 480x320 (7-9 px at 480x800, beside a
    60 px number), a 120-character hint 9 px: shrunk onto one line. They go on two lines
    (the hint on more where the banner has room) and are never smaller than a 20th of the
    short side; these all fit whole. What is left (time, breaths) keeps a readable size."""
    import dataclasses

    least = min(size) / 20
    for name, hint in zip(LONG_NAMES[lang], itertools.cycle(LONG_HINTS[lang])):
        view = dataclasses.replace(near(example_view("exercise", lang)), exercise=name,
                                   hint=hint, cue=None, **({"reps_left": 7, "left_s": None} if reps
                                                else {}))
        screen = Screen(size)
        screen.draw(view)
        assert_texts_fit(screen, size)
        title, hints, left = _header_and_hint(screen, size, name, hint)
        assert " ".join(t for t, _r in title) == name, title  # whole, in order
        assert " ".join(t for t, _r in hints) == hint, hints
        assert 1 <= len(title) <= 2
        for text, r in title + hints:
            assert r.h >= least, f"{text!r} {r.h} px high at {size}"
        said = (i18n.counted("exercise.reps_left", lang, 7, n=7) if reps
                else i18n.text("exercise.left", lang, time=i18n.clock(view.left_s)))
        assert [t for t, _r in left] == [said]
        assert left[0][1].h >= least


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("phase", [None, "inhale", "hold_in", "exhale", "hold_out"])
def test_the_pacer_s_word_under_its_disc_stays_readable(phase, lang, size):
    """"Adem op je eigen tempo" (no pacer) was 11 px high at 480x800 and 13 px at 480x320,
    shrunk onto one line beside the disc: it goes on two lines at a 20th of the short
    side or more, whole."""
    import dataclasses

    view = dataclasses.replace(near(example_view("exercise", lang)), pacer_phase=phase)
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)
    said = i18n.text(f"phase.{phase or 'free'}", lang)
    lines = [(t, r) for t, r in screen.texts if t in said and r.right <= 0.4 * size[0]
             and 0.6 * size[1] <= r.top <= 0.85 * size[1]]
    assert " ".join(t for t, _r in lines) == said, lines
    assert all(r.h >= min(size) / 20 for _t, r in lines), lines


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_start_screen_s_programme_name_stays_readable(lang, size):
    """A 60-character programme name was one line 13 px high at 480x320 (7 px without
    spaces): it goes on two lines, whole, at a 20th of the short side or more."""
    from feedback.view import View

    name = "Thuisprogramma voor de lage rug: buikademhaling en bewegen!"[:60]
    screen = Screen(size)
    screen.draw(View(screen="idle", lang=lang, programme=name, today_min=1.0,
                     today_target=5.0))
    assert_texts_fit(screen, size)
    said = f"{i18n.text('idle.programme', lang)}: {name}"
    lines = [(t, r) for t, r in screen.texts if t in said and len(t) > 3]
    assert " ".join(t for t, _r in lines) == said, lines
    assert 1 <= len(lines) <= 2 and all(r.h >= min(size) / 20 for _t, r in lines), lines


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_long_word_is_not_cut_where_what_is_left_can_give_up_room(size):
    """"Ontspanningsademhalingsoefeningen" beside "nog 5 ademhalingen": at 480x320 the name
    was cut with '...' though both fit at the least size."""
    import dataclasses

    name = "Ontspanningsademhalingsoefening"
    view = dataclasses.replace(near(example_view("exercise", "nl")), exercise=name,
                               reps_left=5, left_s=None)
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)
    title, _hints, left = _header_and_hint(screen, size, name, view.hint or "")
    assert [t for t, _r in title] == [name]
    assert [t for t, _r in left] == ["nog 5 ademhalingen"]
    assert all(r.h >= min(size) / 20 for _t, r in title + left)


@pytest.mark.parametrize("size", SIZES + PORTRAIT, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_name_or_hint_too_long_for_two_lines_is_cut_not_shrunk(lang, size):
    """Wider than two lines (or the banner's lines) hold at the least size: the text is
    cut with '...' at that size, never drawn smaller."""
    import dataclasses

    name = " ".join(["WWWWWW"] * 9)[:60]  # 60 characters of the widest letter
    hint = " ".join(["WWWWWW"] * 18)[:120]
    least = min(size) / 20
    view = dataclasses.replace(near(example_view("exercise", lang)), exercise=name,
                               hint=hint, cue=None, reps_left=12, left_s=None)
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)
    title, hints, left = _header_and_hint(screen, size, name, hint)
    assert len(title) <= 2 and title[-1][0].endswith("...")
    assert name.startswith(" ".join(t for t, _r in title)[:-3].rstrip())  # its start
    drawn = " ".join(t for t, _r in hints)
    assert drawn == hint or (hints[-1][0].endswith("...") and len(hints) >= 2
                             and hint.startswith(drawn[:-3].rstrip()))
    assert size != (480, 320) or drawn != hint  # (too long for its banner there)
    for text, r in title + hints + left:
        assert r.h >= least, f"{text!r} {r.h} px high at {size}"
    one_word = dataclasses.replace(view, exercise="x" * 60)  # no place to wrap at all
    screen.draw(one_word)
    title, _hints, _left = _header_and_hint(screen, size, "x" * 60, hint)
    ((text, r),) = title
    assert text.endswith("...") and r.h >= least


@pytest.mark.parametrize("size", [(480, 320), (480, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen_name", ["calibration", "pause"])
def test_the_other_headers_wrap_the_name_too(screen_name, size):
    import dataclasses

    name = LONG_NAMES["nl"][-1]
    view = dataclasses.replace(near(example_view(screen_name, "nl")), exercise=name,
                               left_s=125.0)
    screen = Screen(size)
    screen.draw(view)
    assert_texts_fit(screen, size)
    title, _hints, left = _header_and_hint(screen, size, name, "-")
    assert " ".join(t for t, _r in title) == name
    assert all(r.h >= min(size) / 20 for _t, r in title + left)
    assert [t for t, _r in left] == ["nog 2:05"]


def test_a_paragraph_does_not_go_below_its_least_size():
    screen = Screen((480, 320))
    box = pygame.Rect(10, 10, 200, 60)
    text = "Een zin die veel te lang is om op twee regels van deze breedte te passen"
    screen.paragraph(text, box, least=20, max_lines=2)
    (a, ra), (b, rb) = screen.texts
    assert ra.h == screen.font(20).size(a)[1] and rb.h == screen.font(20).size(b)[1]
    assert b.endswith("...") and text.startswith(f"{a} {b[:-3]}".rstrip())
    assert box.contains(ra.union(rb))
    screen.texts = []
    screen.paragraph(text, box)  # without a least size: as small as it must be, whole
    assert " ".join(t for t, _r in screen.texts) == text


def _own_config(tmp_path, language="en", view=None):
    """A therapist's config choosing a programme of their own, beside it (and the
    screen's ``view``, if given)."""
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "mine.toml").write_text(
        '[programme]\nname_nl = "Tillen op het werk"\nname_en = "Lifting at work"\n\n'
        '[[exercise]]\nid = "calibration"\nname_nl = "Kalibratie"\nname_en = "Calibration"\n'
        'kind = "calibration"\nduration_s = 45\npacer = "off"\n\n'
        f'[[exercise]]\nid = "crate"\nname_nl = "{LONG_NAMES["nl"][-1]}"\n'
        f'name_en = "{LONG_NAMES["en"][-1]}"\nhint_nl = "{LONG_HINTS["nl"][-1]}"\n'
        f'hint_en = "{LONG_HINTS["en"][-1]}"\nkind = "load"\nrepetitions = 3\n'
        'pacer = "off"\n', encoding="utf-8")
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text(f'[patient]\nlanguage = "{language}"\n\n[programme]\nname = "mine"\n'
                   + (f'\n[screen]\nview = "{view}"\n' if view else ""))
    return cfg


@pytest.mark.parametrize("screen_name", ["exercise", "summary", "idle"])
def test_render_draws_a_configs_own_programme_in_its_language(screen_name, tmp_path, capsys,
                                                              monkeypatch):
    """render drew the shipped clinic programme whatever the config: a therapist could not
    see their own names and hints before the patient did."""
    from feedback.reload import load_all

    monkeypatch.delenv("ADEMCOACH_CONFIG", raising=False)
    cfg = _own_config(tmp_path, view="near")  # (the near view's header names it whole)
    out = tmp_path / "x.png"
    assert main(["render", screen_name, "--config", str(cfg), "--out", str(out),
                 "--size", "480x320"]) == 0
    assert f"{screen_name} (480x320, en) ->" in capsys.readouterr().out  # the config's
    view = example_view(screen_name, "en", *load_all(cfg))
    screen = Screen((480, 320))
    screen.draw(view)
    drawn = " ".join(t for t, _r in screen.texts)
    said = {"exercise": [LONG_NAMES["en"][-1], LONG_HINTS["en"][-1]],
            "summary": ["Lifting a crate off"], "idle": ["Lifting at work"]}[screen_name]
    assert all(s in drawn for s in said), drawn
    assert pygame.image.tobytes(pygame.image.load(str(out)), "RGB") == pygame.image.tobytes(
        screen.surface, "RGB")
    shipped = tmp_path / "shipped.png"
    assert main(["render", screen_name, "--out", str(shipped), "--size", "480x320"]) == 0
    assert shipped.read_bytes() != out.read_bytes()
    assert main(["render", screen_name, "--config", str(cfg), "--lang", "nl", "--out",
                 str(out), "--size", "480x320"]) == 0  # --lang still chooses
    assert f"{screen_name} (480x320, nl) ->" in capsys.readouterr().out


@pytest.mark.parametrize("which", ["typo", "missing", "empty", "bad env", "no programme"])
def test_render_with_a_config_that_does_not_load_is_one_line_exit_2(which, tmp_path, capsys,
                                                                   monkeypatch):
    monkeypatch.delenv("ADEMCOACH_CONFIG", raising=False)
    typo = tmp_path / "typo.toml"
    typo.write_text('[patient]\nlanguag = "en"\n')
    nameless = tmp_path / "nameless.toml"
    nameless.write_text('[programme]\nname = "gone"\n')
    opts, said = {
        "typo": (["--config", str(typo)], f"{typo}:2: patient.languag: unknown key"),
        "missing": (["--config", str(tmp_path / "no.toml")],
                    f"{tmp_path / 'no.toml'}: no such file"),
        "empty": (["--config", ""], "the config file name is empty"),
        "bad env": ([], f"{tmp_path / 'nope.toml'}: no such file"),
        "no programme": (["--config", str(nameless)],
                         f"{nameless}:2: programme.name = 'gone': no such programme"),
    }[which]
    if which == "bad env":
        monkeypatch.setenv("ADEMCOACH_CONFIG", str(tmp_path / "nope.toml"))
    out = tmp_path / "x.png"
    assert main(["render", "exercise", "--out", str(out), *opts]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"ademcoach render: {said}"), err
    assert not out.exists()


def test_render_shows_a_short_first_exercise_before_it_ends(tmp_path, capsys):
    """The example is pictured 95 s into the session: a programme whose exercise would
    have ended by then (one breath, no calibration before it) is pictured just before."""
    from feedback.reload import load_all

    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "short.toml").write_text(
        '[programme]\nname_nl = "Kort"\nname_en = "Short"\n\n'
        '[[exercise]]\nid = "once"\nname_nl = "Een keer tillen"\nname_en = "Lift once"\n'
        'kind = "load"\nrepetitions = 1\npacer = "off"\n\n'
        '[[exercise]]\nid = "brief"\nname_nl = "Even"\nname_en = "Brief"\nduration_s = 10\n')
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text('[programme]\nname = "short"\n')
    for name, screen in [("exercise", "exercise"), ("hold", "exercise"), ("pause", "pause"),
                         ("calibration", "calibration")]:
        view = example_view(name, "nl", *load_all(cfg))
        assert (view.screen, view.exercise) == (screen, "Een keer tillen"), name
    assert example_view("hold", "nl", *load_all(cfg)).warning
    (tmp_path / "programs" / "short.toml").write_text(  # a calibration and nothing else
        '[programme]\nname_nl = "Kort"\nname_en = "Short"\n\n'
        '[[exercise]]\nid = "calibration"\nname_nl = "Kalibratie"\nname_en = "Calibration"\n'
        'kind = "calibration"\nduration_s = 45\npacer = "off"\n')
    out = tmp_path / "x.png"
    assert main(["render", "exercise", "--config", str(cfg), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        "ademcoach render: the exercise screen: programme 'short' has no exercise after its "
        "calibration to show\n")
    assert main(["render", "summary", "--config", str(cfg), "--out", str(out)]) == 0


def test_render_shows_the_exercise_asked_for(tmp_path, capsys):
    """Only the first exercise after the calibration could be previewed: a therapist
    could not check the later ones' names and hints."""
    from feedback.programme import SHIPPED, load_programme

    clinic = load_programme(SHIPPED / "clinic.toml", "clinic")
    for ex in clinic.exercises[1:]:
        for name in ("exercise", "hold", "pause", "sensor"):
            view = example_view(name, "nl", exercise=ex.id)
            assert view.index == clinic.exercises.index(ex), name
            assert view.exercise == ex.name_nl, name  # (the belt screen: the one that waits)
            if name == "exercise":
                assert view.hint == ex.hint_nl
    assert example_view("exercise", "nl").exercise == clinic.exercises[1].name_nl  # default
    out = tmp_path / "x.png"
    assert main(["render", "exercise", "--exercise", "lifting", "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    capsys.readouterr()
    for exercise, said in (
            ("nope", "--exercise nope: programme 'clinic' has no such exercise; its "
                     "exercises: calibration, belly_lying, ribs, movement, lifting"),
            ("calibration", "--exercise calibration: a calibration; it is shown by the "
                            "calibration screen")):
        assert main(["render", "hold", "--exercise", exercise, "--out", str(out)]) == 2
        assert capsys.readouterr().err == f"ademcoach render: {said}\n"


def test_the_dutch_texts_speak_to_the_patient_as_je():
    """The patient is 'je' everywhere ("Adem naar je buik", "Neem contact op met je
    fysiotherapeut"); the calibration said "Even meten hoe jij ademt", the stressed form,
    which reads as pointing at the patient. No 'u' either."""
    import re

    for key, said in i18n.STRINGS["nl"].items():
        assert not re.search(r"\b(jij|jou|jouw|u|uw)\b", said, re.IGNORECASE), (key, said)


def test_the_english_cue_asks_what_the_dutch_one_asks():
    """"Niet forceren, adem rustig" asks for calm breathing; the English said "stay
    calm", which a patient may take as a remark on their mood."""
    assert i18n.text("cue.dont_force", "nl") == "Niet forceren, adem rustig"
    assert i18n.text("cue.dont_force", "en") == "Don't force it, breathe calmly"


@pytest.mark.parametrize("days_back, key", [(0, "summary.total"),
                                            (1, "summary.total_yesterday"),
                                            (3, "summary.total_earlier"),
                                            (-1, "summary.total_earlier")])
def test_the_summary_says_which_day_the_session_counts_for(days_back, key):
    """A session begun on a date the clock was then set back from counts for that date
    (a day after today): its summary said "Vandaag ..." with the minutes of that day."""
    import dataclasses

    view = dataclasses.replace(example_view("summary", "nl"), days_back=days_back,
                               today_min=1.0, today_target=5.0, notice="", home=True)
    screen = Screen((800, 480))
    screen.draw(view)
    drawn = " ".join(t for t, _r in screen.texts)
    said = i18n.text(key, "nl", minutes="1", minutes_unit="minuut", target="5",
                     target_unit="minuten")
    assert said.split(":")[0].split("{")[0][:20] in drawn


@pytest.mark.parametrize("size", [(800, 480), (480, 320), (1280, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_far_calibration_draws_the_patient_s_breath_thick_enough_to_see_from_afar(size):
    """During the calibration the curve is the only sign of the patient's own breath; in
    the far view its line was 2 px in an 86 px band at 800x480, faint from 2.5 m. It is
    now drawn at least an 80th of the screen's short side thick (6 px at 800x480)."""
    screen = Screen(size)
    thick = {}
    for seen in VIEWS:
        screen.draw(as_seen(example_view("calibration", "nl"), seen))
        px = pygame.surfarray.pixels3d(screen.surface)
        white = (px[:, :, 0] == 245) & (px[:, :, 1] == 245) & (px[:, :, 2] == 245)
        del px
        text = [r for _, r in screen.texts]
        rows = [y for y in range(size[1]) if not any(r.collidepoint(0, y) or r.top <= y <
                                                     r.bottom for r in text)]
        cols = [n for n in (int(white[x, rows].sum()) for x in range(size[0])) if n]
        assert len(cols) > size[0] // 8  # (the curve is there)
        thick[seen] = sorted(cols)[len(cols) // 2]  # (the median column's white run)
    assert thick["far"] >= min(size) // 80 and thick["far"] > thick["near"]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_share_in_rhythm_with_the_pacer_has_the_reports_name_on_the_screen(lang):
    """The summary's column and the status line name the share of breaths that kept the
    pacer's rhythm with the word the report uses for it ("In rhythm with the pacer", "In
    het ritme van de ademgids"): the English screen said "in sync", so a therapist read
    two names for one number."""
    from feedback.report_words import say

    word = i18n.text("summary.in_sync", lang).split()[-1]
    assert word in say("in_sync", lang, share="").lower(), (lang, word)
    assert i18n.text("summary.in_sync", lang) in i18n.text("status.exercise", lang)
