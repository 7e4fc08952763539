
from feedback.clock import VirtualClock
from feedback.loop import Loop


def test_timers_run_in_time_order_at_their_rates():
    clock = VirtualClock()
    loop = Loop(clock)
    seen = []

    def every(name, period):
        def cb(due):
            seen.append((round(due, 6), name))
            return due + period
        return cb

    loop.add("fast", every("fast", 0.1))
    loop.add("slow", every("slow", 0.25))
    loop.run(until=1.0)
    assert clock.now() == 1.0
    assert [t for t, n in seen if n == "fast"] == [round(0.1 * i, 6) for i in range(11)]
    assert [t for t, n in seen if n == "slow"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert [t for t, _ in seen] == sorted(t for t, _ in seen)
    assert loop.stats["fast"].late == 0


def test_a_timer_can_stop_itself_and_the_loop_ends_when_none_are_left():
    loop = Loop(VirtualClock())
    calls = []
    loop.add("three", lambda due: (calls.append(due), due + 1 if len(calls) < 3 else None)[1])
    loop.run()
    assert calls == [0.0, 1.0, 2.0]


def test_slow_callbacks_are_counted_late_and_stalls_skip_ahead(caplog):
    clock = VirtualClock()
    loop = Loop(clock, late_after=0.01)
    dues = []

    def slow(due):
        dues.append(due)
        if len(dues) == 3:
            clock.advance(5.0)  # a 5 s stall inside one tick
        else:
            clock.advance(0.03)
        return due + 0.1

    loop.add("work", slow)
    loop.run(until=7.0)
    stats = loop.stats["work"]
    assert stats.late > 0 and stats.worst_late_s >= 0.03
    assert stats.skipped >= 40  # the stall's ticks were skipped, not replayed
    assert all(b > a for a, b in zip(dues, dues[1:], strict=False))
    assert "work:" in loop.late_summary()
    # the skipped ticks are said too: each was a sensor reading never taken
    assert f"ms, {stats.skipped} skipped)" in loop.late_summary()
    warned = [r.getMessage() for r in caplog.records if "late" in r.getMessage()]
    assert len(warned) == 1 and warned[0].startswith("work tick 4900 ms late")  # the stall


def test_stop_from_a_callback():
    loop = Loop(VirtualClock())
    loop.add("tick", lambda due: (loop.stop(), due + 1)[1])
    loop.add("other", lambda due: due + 0.5, first=0.5)
    loop.run()
    assert loop.stats["tick"].ticks == 1 and loop.stats["other"].ticks == 0


def test_a_paced_clock_is_never_faster_than_its_speed_nor_skips_when_behind():
    import time

    from feedback.clock import PacedClock

    clock = PacedClock(speed=20.0)
    loop = Loop(clock)
    dues = []

    def tick(due):
        dues.append(due)
        if len(dues) == 5:
            time.sleep(0.05)  # 1 s of the clock's time: a computer that fell behind
        return due + 0.1

    start = time.monotonic()
    loop.add("work", tick)
    loop.run(until=2.05)
    assert time.monotonic() - start >= 2.0 / 20.0
    assert [round(d, 6) for d in dues] == [i / 10 for i in range(21)]  # none skipped
    assert loop.stats["work"].skipped == 0 and loop.stats["work"].late == 0
