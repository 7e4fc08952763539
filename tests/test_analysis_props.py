"""Property tests: no input crashes the analysis or puts its events out of order."""

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.analysis import BreathAnalyzer
from feedback.events import Exhale, Hold, HoldEnd, Inhale

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.floats(min_value=1e-4, max_value=0.2), min_size=1, max_size=400),
    xs=st.lists(values, min_size=1, max_size=400),
    two=st.booleans(),
    hold_after=st.floats(min_value=2.0, max_value=15.0),
)
def test_any_signal_gives_ordered_events(steps, xs, two, hold_after):
    an = BreathAnalyzer(["chest", "belly"] if two else ["belly"], hold_after_s=hold_after)
    t = 0.0
    events = []
    for i, dt in enumerate(steps):
        t += dt
        x = xs[i % len(xs)]
        events.extend(an.feed(t, (x, -0.5 * x) if two else (x,)))
        an.snapshot()
    ats = [e.at for e in events]
    assert ats == sorted(ats)
    assert all(e.at <= t for e in events)
    for e in events:
        if isinstance(e, Inhale | Exhale | Hold | HoldEnd):
            assert e.t <= e.at


@settings(max_examples=30, deadline=None)
@given(
    period=st.floats(min_value=1.5, max_value=20.0),
    fs=st.floats(min_value=10.0, max_value=200.0),
    scale=st.floats(min_value=1e-3, max_value=1e4),
    offset=st.floats(min_value=-1e4, max_value=1e4),
)
def test_turns_alternate_on_clean_breathing(period, fs, scale, offset):
    import math

    an = BreathAnalyzer(["belly"], hold_after_s=15.0)
    kinds = []
    n = int(6 * period * fs)
    for i in range(n):
        t = i / fs
        x = offset + scale * math.sin(2 * math.pi * t / period)
        kinds.extend(type(e).__name__ for e in an.feed(t, (x,))
                     if isinstance(e, Inhale | Exhale))
    assert len(kinds) >= 6
    assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False))
