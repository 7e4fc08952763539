"""Screen and LED frame cost: can the Pi keep 30 frames/s with everything on screen?

Draws the exercise screen from the real coach's view in both views (``[screen] view``):
the near one with every element (pacer figure, 30 s curve with target, numbers, a cue
banner and the hold warning), the far one (the default) with its large texts and the
pacer figure; and computes LED ring frames through ``Coach.ring_frame``. Reports median
and 99th percentile per frame.
The pacer moves every frame and the time left changes once a second, as in a session, so
the screen's still layer is redrawn on every 30th frame (that is in the p99).
"""

from __future__ import annotations

import os
import time

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def _stats(samples: list[float]) -> tuple[float, float]:
    a = np.array(samples) * 1000.0
    return float(np.median(a)), float(np.percentile(a, 99))


def run() -> str:
    from feedback.coach import Snapshot
    from feedback.render import example_view
    from feedback.screen import Screen

    rows = []
    for size in ((800, 480), (1920, 1080)):
        screen = Screen(size)
        for name, far in (("exercise", False), ("hold", False), ("exercise", True),
                          ("hold", True)):
            view = example_view(name, "nl")
            view.far = far
            for _ in range(20):                                  # warm the font cache
                screen.draw(view)
            times = []
            left = 200.0
            for i in range(300):
                view.pacer_level = (i % 90) / 90.0
                if i % 30 == 0:  # the time left changes once a second: the still layer too
                    left -= 1.0
                    view.left_s, view.reps_left = left, None
                t0 = time.perf_counter()
                screen.draw(view)
                times.append(time.perf_counter() - t0)
            med, p99 = _stats(times)
            rows.append(f"| screen `{name}` {size[0]}x{size[1]}, {'far' if far else 'near'} "
                        f"view | {med:.2f} | {p99:.2f} |")

    # LED frames through the coach, with the pacer running and the patient marker on.
    from feedback.coach import Coach
    from feedback.config import defaults
    from feedback.events import Hold
    from feedback.programme import SHIPPED, load_programme

    for pixels in (16, 60):
        s = defaults()
        s.ring["pixels"] = pixels
        coach = Coach(s, load_programme(SHIPPED / "clinic.toml"), 0.0)
        coach.button("start_pause", 0.0)
        coach.button("next", 0.0)
        times = []
        for i in range(5000):
            t = i / 30.0
            st = Snapshot("inhale", (i % 300) / 300.0, 6.0, 2.0, 1.0, True)
            if i == 2500:
                coach.feed(Hold(at=t, t=t - 4))
            t0 = time.perf_counter()
            coach.ring_frame(t, st)
            times.append(time.perf_counter() - t0)
        med, p99 = _stats(times)
        if pixels == 16:
            vt = []
            for i in range(1000):
                t = 200.0 + i / 30.0
                st = Snapshot("inhale", (i % 300) / 300.0, 6.0, 2.0, 1.0, True)
                coach.tick(t, st)
                t0 = time.perf_counter()
                coach.view(t, st)
                vt.append(time.perf_counter() - t0)
            vmed, vp99 = _stats(vt)
            rows.append(f"| `Coach.view` (30 s curve + target) | {vmed:.3f} | {vp99:.3f} |")
        rows.append(f"| LED frame, {pixels} pixels (pacer + patient, half warning) | "
                    f"{med:.3f} | {p99:.3f} |")

    first = _first_frames()
    return ("## Screen and LED frames\n\n"
            "Software rendering (pygame-ce, SDL dummy video driver: the drawing cost without "
            "the display flip). Budget at 30 frames/s: 33 ms per frame for everything. The "
            "pacer moves every frame and the time left changes once a second, so the still "
            "layer of the screen (texts, numbers, banner) is redrawn on every 30th frame: the "
            "median is a frame that repaints only the moving parts, the p99 one that redraws "
            "the layer.\n\n"
            "| frame | median ms | p99 ms |\n|---|---|---|\n" + "\n".join(rows) + "\n\n"
            + first)


def _first_frames(repeat: int = 5) -> str:
    """The first frame of a screen on a ``Screen`` that has drawn nothing yet: every
    font size its layout tries is made and every text measured. It holds the loop once
    (the summary at the end of a session, a screen after a resize), not every frame.
    Timed with the fonts remembering what they measured (``Font.size``) and without,
    alternately, in the same run."""
    from feedback import fonts
    from feedback.render import example_view
    from feedback.screen import Screen

    remembered = fonts.Font.size

    def measured_each_time(self, s):
        r = self._ft.get_rect(s)
        return -(-r.width // self._k), -(-r.height // self._k)

    rows = []
    for name, size in (("summary", (800, 480)), ("summary", (480, 320)),
                       ("summary", (480, 800)), ("exercise", (800, 480)),
                       ("hold", (800, 480)), ("hold", (480, 800)), ("idle", (800, 480))):
        view = example_view(name, "nl")
        times: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(repeat):
            for how in ("with", "without"):
                fonts.Font.size = remembered if how == "with" else measured_each_time
                try:
                    screen = Screen(size)
                    t0 = time.perf_counter()
                    screen.draw(view)
                    times[how].append(time.perf_counter() - t0)
                finally:
                    fonts.Font.size = remembered
        w, wo = (float(np.median(times[k])) * 1000.0 for k in ("with", "without"))
        rows.append(f"| `{name}` {size[0]}x{size[1]} | {w:.0f} | {wo:.0f} | {w / wo:.2f} |")
    return ("First frame of a screen on a new `Screen` (every font size its layout tries "
            "made, every text measured): it holds the loop once, when that screen first "
            f"shows (the summary at the end of a session). Median of {repeat}, with and "
            "without `Font.size` remembering its measurements, alternately in one run.\n\n"
            "| screen | with (ms) | without (ms) | ratio |\n|---|---|---|---|\n"
            + "\n".join(rows) + "\n")
