"""Faults during a simulated session: the unit keeps giving feedback where it can, shows
what is wrong, recovers by itself and loses no stored record."""

import errno
import logging
import sqlite3
import time

import pytest

from feedback import events as ev
from feedback import i18n
from feedback.app import SOUND_RETRY_S
from feedback.clock import VirtualClock
from feedback.coach import press_next
from feedback.latches import GRACE_S
from feedback.reload import load_all
from feedback.run import open_session


@pytest.fixture
def config(sim_config):
    return sim_config


def run_with(config, seconds, actions, scenario="calm", **open_kw):
    """Run a simulated session; ``actions`` maps session time -> fn(session)."""
    settings, programme = load_all(config)
    out, views = [], []
    with open_session(settings, programme, config, sim=scenario, clock=VirtualClock(),
                      duration=seconds, status=False, **open_kw) as s:
        s.sinks.append(out.append)
        # the writer thread paces itself in real time; the session here runs ~100x faster
        s.records.commit_every_s = s.records.retry_s = 0.01
        for at, fn in sorted(actions.items()):
            s.loop.add(f"inject@{at}", lambda due, fn=fn: fn(s), first=s.t0 + at)
        s.loop.add("look", lambda due: (views.append((s.now(), s.coach.view(
            s.now(), s.analyzer.snapshot()))), due + 1.0)[1], first=s.t0 + 0.5)
        s.run()
        db = s.records.db_path if s.records is not None else None
    return out, views, db


def writer_settles(records, saved: bool, within_s: float = 30.0) -> None:
    """Wake the records writer (``flush``) until everything is saved (``saved``) or until
    saving has failed, polling with a real-time deadline."""
    deadline = time.monotonic() + within_s
    while True:
        done = records.flush(timeout=0.5)
        if (done and records.problem is None) if saved else records.problem is not None:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"records still {'not ' if saved else ''}saved after {within_s} s: "
                        f"{records.problem}")


def between(events, cls, a, b):
    return [e for e in events if isinstance(e, cls) and a <= e.at <= b]


def test_i2c_error_burst_is_a_fault_that_clears_and_breathing_goes_on(config, caplog):
    caplog.set_level(logging.INFO, "feedback.app")
    # 400 failed transfers: 100 samples of 4 tries each, 2 s without a reading
    out, views, _ = run_with(config, 120, {60.0: lambda s: s.parts.chip.fail_next(400)})
    faults = [e for e in out if isinstance(e, ev.Fault) and e.kind == "i2c"]
    ends = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "i2c"]
    assert len(faults) == 1 and faults[0].at == pytest.approx(60.5, abs=0.05)  # GRACE_S
    # over once the sensor has answered for GRACE_S again
    assert len(ends) == 1 and ends[0].at == pytest.approx(62.5, abs=0.05)
    assert between(out, ev.Breath, 70, 120), "breathing is analysed again after the burst"
    assert not between(out, ev.Hold, 55, 75)
    # no belt to check: the fault itself is the record, and the screen says it
    assert "check_belt" not in {c.kind for c in between(out, ev.Cue, 60, 62)}
    assert any(v.screen == "sensor" and v.fault == "i2c" for t, v in views if 60 <= t <= 62)
    said = [r.getMessage() for r in caplog.records if r.name == "feedback.app"]
    assert any(m.startswith("i2c fault at 60.5 s: SensorIOError") for m in said), said
    assert "i2c fault over at 62.5 s, after 2.5 s" in said


def test_the_status_line_says_the_chip_fault_as_the_screen_does(config):
    """The screen says "Storing in het apparaat" for the measuring chip not answering;
    the headless status line said "Controleer de band", the belt cue's words."""
    import io

    from feedback import i18n
    from feedback.app import status_line

    said = []

    def look(s):
        out = io.StringIO()
        status_line(out)(s, s.now())
        said.append(out.getvalue())

    run_with(config, 70, {60.0: lambda s: s.parts.chip.fail_next(400), 61.5: look,
                          66.0: look})
    assert said[0].rstrip().endswith(i18n.text("unit.title")), said
    assert i18n.text("cue.check_belt") not in said[0]
    assert said[1].rstrip().endswith("-")  # (over: no cue)


LONG_HOLD = ('[scenario]\ndescription = "a 40 s hold at 100 s"\nseed = 1\n'
             '[breathing]\nrate_bpm = 8.0\nratio = 1.5\npause_s = 0.8\njitter = 0.05\n'
             '[signal]\nexcursion_cm = 1.5\nnoise_mv = 1.0\n'
             '[[episode]]\nkind = "hold"\nafter = "inhale"\nstart_s = 100.0\n'
             'duration_s = 40.0\n')
# The belt taken off at 100 s and laid down with its plug in, put on again at 280 s.
TAKEN_OFF = LONG_HOLD.replace('"a 40 s hold at 100 s"', '"laid down from 100 to 280 s"').replace(
    'kind = "hold"\nafter = "inhale"\nstart_s = 100.0\nduration_s = 40.0',
    'kind = "taken_off"\nstart_s = 100.0\nduration_s = 180.0')


@pytest.mark.parametrize("samples", [23, 25, 26, 35, 60])
def test_a_hold_goes_on_through_a_short_sensor_outage(config, tmp_path, samples):
    """A 40 s hold from 100 s, warned; reads fail for 23-60 samples (0.46-1.2 s) from
    118 s. No breath fits in that: the hold goes on, one hold in the records, and the
    warning is back as soon as the belt screen of a fault is gone. Before, an outage of
    0.5-1 s turned the warning off for the rest of the hold (the fault cleared it, the
    analysis kept its hold and never warned again), and then, with the gap ending the
    hold, for 8-9.5 s with nothing on screen."""
    scenario = tmp_path / "long-hold.toml"
    scenario.write_text(LONG_HOLD)
    out, views, db = run_with(config, 145, {
        118.0: lambda s: s.parts.chip.fail_next(4 * samples)}, scenario=str(scenario))
    assert len(between(out, ev.Hold, 100, 145)) == 1
    assert not between(out, ev.HoldEnd, 101, 139)
    faults = [e for e in out if isinstance(e, ev.Fault) and e.kind == "i2c"]
    assert len(faults) == (samples > 25)  # more than 0.5 s from the last good sample
    back = 118.0 + samples / 50 + 0.5  # the views are taken every second
    assert all(v.warning and v.screen == "exercise" for t, v in views if back < t < 139)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM holds").fetchone()[0] == 1


def test_a_hold_through_one_timeout_of_a_hung_bus_is_warned_on(config, tmp_path):
    """The same hold; one read times out after 1 s (a hung bus on the Pi), and the sensor
    is then left alone for 1 s: about 2 s without a sample. The hold goes on, and the
    warning is back when the belt screen goes (it was off for 9 s)."""
    scenario = tmp_path / "long-hold.toml"
    scenario.write_text(LONG_HOLD)
    out, views, db = run_with(config, 145, {118.0: lambda s: s.parts.chip.fail_next(
        1, errno.ETIMEDOUT, delay_s=1.0)}, scenario=str(scenario))
    back = next(e.at for e in out if isinstance(e, ev.FaultEnd) and e.kind == "i2c")
    assert 119.5 < back < 120.6
    assert len(between(out, ev.Hold, 100, 145)) == 1
    assert not between(out, ev.HoldEnd, 101, 139)
    assert all(v.warning for t, v in views if back + 0.5 < t < 139)


def test_a_hold_found_while_the_sensor_proves_itself_again_is_warned(config, tmp_path):
    """The same hold; reads fail for 1 s from 116.2 s, an i2c fault. The samples are back
    at 117.2 s, the fault over once the sensor has answered for GRACE_S (117.7 s), and
    the analysis finds the hold at 117.6 s, in between. The hold is warned as the belt
    screen goes, counted on the summary. Before, it came while the fault still stood and
    was dropped: no warning for the rest of the 40 s hold (the analysis had said it)."""
    scenario = tmp_path / "long-hold.toml"
    scenario.write_text(LONG_HOLD)
    summary = []
    out, views, db = run_with(config, 145, {116.2: lambda s: s.parts.chip.fail_next(4 * 50),
                                            144.0: lambda s: summary.extend(s.coach.summary())},
                              scenario=str(scenario))
    over = next(e.at for e in out if isinstance(e, ev.FaultEnd) and e.kind == "i2c")
    holds = between(out, ev.Hold, 100, 145)
    assert len(holds) == 1 and over - GRACE_S < holds[0].at < over  # (the case here)
    assert [c.at for c in between(out, ev.Cue, 117, 145) if c.kind == "breathe_on"] == [over]
    assert all(v.warning and v.screen == "exercise" for t, v in views if over < t < 139)
    assert sum(r["holds"] for r in summary) == 1


def test_with_one_of_two_belts_out_a_hold_found_while_the_sensor_proves_itself_is_warned(
        config, tmp_path):
    """As above with two belts, the belly's unplugged at 20 s: the chest measures on and
    judges holds alone. Reads fail for 1 s from 116.8 s; the analysis finds the hold at
    118.1 s, before the i2c fault is over (118.3 s). It is warned as the belt screen goes,
    as with one belt. Before, a hold found during the fault was kept only when every fault
    on was the bus's: beside the belly's own fault it was dropped, and the patient held
    the breath on to 140 s with no warning at all."""
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('belts = ["belly"]', 'belts = ["chest", "belly"]').replace(
        'channels = ["A0"]', 'channels = ["A0", "A1"]'), encoding="utf-8")
    scenario = tmp_path / "long-hold-belly-out.toml"
    scenario.write_text(LONG_HOLD + '\n[[episode]]\nkind = "unplugged"\nstart_s = 20.0\n'
                        'duration_s = 500.0\nbelt = "belly"\n')
    summary = []
    out, views, db = run_with(config, 145, {116.8: lambda s: s.parts.chip.fail_next(4 * 50),
                                            144.0: lambda s: summary.extend(s.coach.summary())},
                              scenario=str(scenario))
    assert [(e.kind, e.belt) for e in out if isinstance(e, ev.Fault)] == [
        ("disconnected", "belly"), ("i2c", None)]
    over = next(e.at for e in out if isinstance(e, ev.FaultEnd) and e.kind == "i2c")
    holds = between(out, ev.Hold, 100, 145)
    assert len(holds) == 1 and over - GRACE_S < holds[0].at < over  # (the case here)
    assert [c.at for c in between(out, ev.Cue, 117, 145) if c.kind == "breathe_on"] == [over]
    assert all(v.warning and v.screen == "exercise" for t, v in views if over < t < 139)
    assert sum(r["holds"] for r in summary) == 1


def test_a_hold_the_sensor_drops_out_of_for_long_is_warned_again(config, tmp_path):
    """The same hold, the sensor out for 4 s: what happened is unknown. The analysis ends
    its hold where the samples stopped and, the breath still held, warns it again 8 s
    (the exercise's threshold) after they returned."""
    scenario = tmp_path / "long-hold.toml"
    scenario.write_text(LONG_HOLD)
    out, views, _ = run_with(config, 160, {118.0: lambda s: s.parts.chip.fail_next(800)},
                             scenario=str(scenario))
    over = next(e.at for e in out if isinstance(e, ev.FaultEnd) and e.kind == "i2c")
    assert over == pytest.approx(122.0 + GRACE_S, abs=0.05)  # (answering for GRACE_S)
    back = over - GRACE_S  # the samples' return
    holds = between(out, ev.Hold, 100, 160)
    assert len(holds) == 2 and holds[0].at < 118.0
    # 8 s of stillness, counted from the samples' return or from the end of a pause the
    # pacer planned meanwhile (stillness that begins in it is no hold)
    assert back + 7.5 <= holds[1].at <= back + 9.5
    assert "breathe_on" in {c.kind for c in between(out, ev.Cue, holds[1].at, holds[1].at)}
    assert all(v.warning for t, v in views if holds[1].at + 0.1 < t < 139.0)


def test_brief_i2c_failures_are_no_fault_and_the_pacer_runs_on(config, caplog):
    """A bus that loses one sample every 3 s (its 4 tries all fail: 20 ms without a
    reading). Before, each lost sample was a fault: "Controleer de band" 20 times a
    minute and the pacer started a new breath each time, so it never reached an exhale.
    Now they are counted for the journal, once a minute, and nothing else happens."""
    levels = []

    def lose_one(s):
        s.parts.chip.fail_next(4)
        levels.append((s.now(), s.coach.pacer_level(s.now())))

    actions = {at: lose_one for at in [40.0 + 3.0 * k for k in range(20)]}
    out, views, _ = run_with(config, 110, actions)
    assert not [e for e in out if isinstance(e, ev.Fault | ev.FaultEnd) and e.kind == "i2c"]
    assert "check_belt" not in {c.kind for c in between(out, ev.Cue, 35, 110)}
    assert all(v.screen == "exercise" for t, v in views if 40 <= t <= 100)
    # the pacer went on through its breaths: the ring emptied (breathing out) in between
    assert min(level for _, level in levels) < 0.5 < max(level for _, level in levels)
    said = [r.getMessage() for r in caplog.records if r.name == "feedback.app"]
    assert [m for m in said if "brief failures of sensor reads" in m] == [
        "7 brief failures of sensor reads in the last 60 s (each under 0.5 s: no fault)",
        "13 brief failures of sensor reads in the last 50 s (each under 0.5 s: no fault)"]


def test_a_sensor_that_answers_only_now_and_then_is_one_fault_not_a_flicker(config):
    """From 40 to 100 s the sensor answers one read in 40 (a loose wire: a good sample
    every 0.8 s). That is one fault, on screen and in the records, until it has answered
    for as long as it takes to become one (GRACE_S). Before, each good read ended the
    fault and the next failures began another: 75 faults in the records in that minute,
    and the screen went from the belt screen to the exercise and back twice a second."""
    def loose(s):
        s.parts.chip.fail_next(4 * 39)  # 39 reads of 4 tries each fail, then one answers

    actions = {round(40.0 + 0.8 * k, 2): loose for k in range(75)}
    out, views, db = run_with(config, 120, actions)
    faults = [e for e in out if isinstance(e, ev.Fault) and e.kind == "i2c"]
    ends = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "i2c"]
    assert len(faults) == 1 and faults[0].at == pytest.approx(40.5, abs=0.05)
    assert len(ends) == 1 and 100.0 < ends[0].at <= 100.0 + GRACE_S + 0.05
    assert all(v.screen == "sensor" for t, v in views if 41 <= t <= 100)
    assert [c.kind for c in between(out, ev.Cue, 40, 101)] == []  # (the chip: no belt cue)
    assert between(out, ev.Breath, 105, 120), "breathing is analysed again after it"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM faults").fetchone() == (1,)


def test_a_led_ring_that_takes_a_frame_now_and_then_is_one_fault(config):
    """From 40 to 100 s the ring takes one LED frame in 30 (about one a second). One
    fault; before, each frame it took ended the fault: 16 faults in the records (the
    notice came and went with them)."""
    def flaky(s):
        s.parts.spi.fail_next(29)

    actions = {round(40.0 + k, 2): flaky for k in range(60)}
    out, views, db = run_with(config, 110, actions)
    faults = [e for e in out if isinstance(e, ev.Fault) and e.kind == "led"]
    ends = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "led"]
    assert len(faults) == 1 and 40.0 < faults[0].at < 41.0
    assert len(ends) == 1 and 100.0 < ends[0].at < 102.0
    shown = [v.notice for t, v in views if 42 <= t <= 100]  # taking turns with the hint
    assert all(n is None or n == i18n.text("unit.led") for n in shown)
    assert sum(n is not None for n in shown) >= 0.4 * len(shown)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM faults").fetchone() == (1,)


class Heartbeats:
    """Stands in for sd_notify: when the loop said WATCHDOG=1."""

    def __init__(self, clock):
        self.clock = clock
        self.beats: list[float] = []

    def watchdog(self):
        self.beats.append(self.clock.now())

    def ready(self, *a):
        pass

    def status(self, line):
        pass

    def stopping(self):
        pass


def test_a_hung_i2c_bus_does_not_freeze_the_ring_the_screen_or_the_watchdog(config):
    # On the Pi a hung I2C bus fails each transfer with ETIMEDOUT after about a second.
    settings, programme = load_all(config)
    clock = VirtualClock()
    out, writes = [], []
    with open_session(settings, programme, config, sim="calm", clock=clock, duration=90,
                      status=False) as s:
        s.sinks.append(out.append)
        s.records.commit_every_s = s.records.retry_s = 0.01
        s.notifier = Heartbeats(clock)
        s.loop.add("hang", lambda due: s.parts.chip.fail_next(10**6, errno.ETIMEDOUT,
                                                              delay_s=1.0), first=s.t0 + 30)
        s.loop.add("free", lambda due: s.parts.chip.clear_failures(), first=s.t0 + 60)
        s.loop.add("look", lambda due: (writes.append((s.now(), s.parts.spi.writes)),
                                        due + 0.1)[1], first=s.t0)
        s.run()
    beats = [b - s.t0 for b in s.notifier.beats]
    assert max(b - a for a, b in zip([0.0, *beats], beats, strict=False)) <= 2.0
    # each transfer that times out stalls the loop for its second; the sensor is then
    # left alone for a while, so the ring keeps getting its frames: the belt-fault frame
    # is still (the exercise waits), and a still frame is sent again once a second, so
    # at most a second plus one stalled transfer apart
    sent = [t for (t, n), (_, before) in zip(writes[1:], writes, strict=False) if n > before]
    hung = [t for t in sent if 29 < t < 62]
    assert len(hung) >= 20 and max(b - a for a, b in zip(hung, hung[1:], strict=False)) < 2.1
    assert s.loop.stats["frame"].worst_late_s < 1.2
    faults = [e for e in out if isinstance(e, ev.Fault) and e.kind == "i2c"]
    ends = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "i2c"]
    assert len(faults) == 1 and 30.0 <= faults[0].at < 32.0
    assert "timed out" in faults[0].detail.lower()
    assert len(ends) == 1 and 60.0 < ends[0].at < 70.0  # read again soon after it is free
    assert between(out, ev.Breath, 70, 90), "breathing is analysed again"


def test_led_ring_failure_is_shown_and_recovers(config):
    out, views, _ = run_with(config, 90, {40.0: lambda s: s.parts.spi.fail_next(30, errno.EIO)})
    f = [e for e in out if isinstance(e, ev.Fault) and e.kind == "led"]
    end = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "led"]
    # a frame equal to the last one is not sent again, but at least once a second
    assert len(f) == 1 and 40.0 <= f[0].at < 41.1
    assert len(end) == 1 and end[0].at < 50.0  # after the 30 failing writes
    assert between(out, ev.Breath, 40, 90)
    assert any(v.notice == i18n.text("unit.led") for t, v in views if 40 < t < 43)
    assert not any(v.notice == i18n.text("unit.led") for t, v in views if t > 45)


def test_a_stuck_button_is_shown_and_recorded_until_it_comes_up(config):
    """The start/pause button goes down at 40 s and stays down until 70 s (it sticks, or
    something lies on it). Its press pauses the exercise as any press; from 10 s down it is
    a fault of the unit: on screen, in the records with its start and end. Before, the
    session stayed paused with nothing to say why, and the record read as a pause."""
    def down(s):
        s.parts.pin_factory.pin(17).drive_low()

    def up(s):
        s.parts.pin_factory.pin(17).drive_high()

    out, views, db = run_with(config, 90, {40.0: down, 70.0: up})
    f = [e for e in out if isinstance(e, ev.Fault) and e.kind == "button"]
    end = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "button"]
    assert len(f) == 1 and 50.0 <= f[0].at <= 51.1 and "start_pause" in f[0].detail
    assert len(end) == 1 and 70.0 <= end[0].at <= 71.1
    assert [type(e) for e in between(out, ev.Pause | ev.Resume, 35, 90)] == [ev.Pause]
    assert all(v.notice and "knop blijft ingedrukt" in v.notice
               for t, v in views if 52 < t < 70), [v.notice for t, v in views if 52 < t < 70]
    assert not any(v.notice and "knop" in v.notice for t, v in views if t > 72)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, at, end_at FROM faults").fetchall()
    assert [k for k, _, _ in rows] == ["button"]  # checked once a second (house)
    assert rows[0][1] == pytest.approx(f[0].at) and rows[0][2] == pytest.approx(end[0].at)


def test_a_second_stuck_button_is_named_in_the_records(config):
    """start/pause down from 40 to 70 s, next from 45 to 100 s: the record says which
    buttons were stuck when (before, one fault to the end named start/pause only)."""
    def pin(gpio, low):
        return lambda s: getattr(s.parts.pin_factory.pin(gpio),
                                 "drive_low" if low else "drive_high")()

    out, views, db = run_with(config, 110, {40.0: pin(17, True), 45.0: pin(27, True),
                                            70.0: pin(17, False), 100.0: pin(27, False)})
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT at, end_at, detail FROM faults WHERE kind='button' "
                            "ORDER BY id").fetchall()
    assert [d.split(": ")[-1] for *_, d in rows] == ["start_pause", "next, start_pause",
                                                     "next"]
    # (the buttons are checked once a second, by the house timer)
    for (a, e, _), (a0, e0) in zip(rows, [(50, 55), (55, 70), (70, 100)], strict=True):
        assert a0 <= a <= a0 + 1.1 and e0 <= e <= e0 + 1.1, rows


def test_full_disk_warns_keeps_feedback_and_loses_nothing(config, tmpfs):
    small_disk = tmpfs
    text = config.read_text().replace(str(config.parent / "data"), str(small_disk / "data"))
    config.write_text(text)
    filler = small_disk / "filler"

    def fill(s):  # something else fills the disk to the last byte
        # (unbuffered: a buffered file kept the chunk that did not fit and raised ENOSPC
        # again when closed, now and then, as the records writer took the last blocks)
        with open(filler, "wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC

    # The records writer runs on wall time, the session on a virtual clock: however fast
    # the session runs, wait (in real time) until the writer has tried the breaths stored
    # since the fill and failed, and after the free until it has written them.
    def failing(s):
        writer_settles(s.records, saved=False)
        assert "full" in s.records.problem

    def free(s):
        filler.unlink()
        writer_settles(s.records, saved=True)

    out, views, db = run_with(config, 150, {50.0: fill, 75.0: failing, 100.0: free})
    faults = [e for e in out if isinstance(e, ev.Fault) and e.kind == "storage"]
    assert faults and 50.0 <= faults[0].at <= 76.0
    assert any(isinstance(e, ev.FaultEnd) and e.kind == "storage" and 100.0 <= e.at <= 101.0
               for e in out)
    assert any(v.notice and "Opslaan" in v.notice for t, v in views if 76 <= t <= 100)
    assert between(out, ev.Breath, 50, 100), "feedback went on while saving failed"
    breaths = [e for e in out if isinstance(e, ev.Breath)]
    with sqlite3.connect(db) as conn:
        stored = {round(a, 6) for (a,) in conn.execute("SELECT at FROM breaths")}
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert {round(b.at, 6) for b in breaths} <= stored


def test_a_records_folder_gone_for_a_while_is_shown_and_loses_nothing(config):
    """The records folder goes away at 50 s (the medium it is on unplugged, or the folder
    moved) and is back at 100 s. Before, the writer made a new folder and database at
    once, took the running session for one erased by a wipe and dropped the rest of it
    without a word: 8 of its 13 breaths and its end were not recorded, nothing was shown."""
    data = config.parent / "data"
    away = config.parent / "away"

    def remove(s):
        writer_settles(s.records, saved=True)
        data.rename(away)

    def missing(s):
        writer_settles(s.records, saved=False)
        assert "records folder missing" in s.records.problem
        assert not data.exists()  # (not made again meanwhile)

    def back(s):
        away.rename(data)
        writer_settles(s.records, saved=True)

    out, views, db = run_with(config, 150, {50.0: remove, 75.0: missing, 100.0: back})
    faults = [e for e in out if isinstance(e, ev.Fault) and e.kind == "storage"]
    ends = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "storage"]
    assert len(faults) == 1 and 50.0 <= faults[0].at <= 76.0
    assert len(ends) == 1 and 100.0 <= ends[0].at <= 101.0
    assert any(v.notice and "Opslaan" in v.notice for t, v in views if 76 <= t <= 100)
    breaths = [e for e in out if isinstance(e, ev.Breath)]
    assert between(out, ev.Breath, 50, 100)
    with sqlite3.connect(db) as conn:
        stored = {round(a, 6) for (a,) in conn.execute("SELECT at FROM breaths")}
        assert conn.execute("SELECT end_reason FROM sessions").fetchall() == [("duration",)]
        assert conn.execute("SELECT kind, at, end_at FROM faults").fetchall() == [
            ("storage", faults[0].at, ends[0].at)]
    assert {round(b.at, 6) for b in breaths} == stored


def test_config_replaced_by_garbage_keeps_the_old_config_and_says_so(config):
    good = config.read_bytes()

    def spoil(s):
        config.write_bytes(b"\x00\xff garbage \x89PNG")

    def mend(s):
        config.write_bytes(good.replace(b"exhale_s = 6.0", b"exhale_s = 7.0"))

    out, views, _ = run_with(config, 100, {40.0: spoil, 70.0: mend})
    spoiled = [v for t, v in views if 42 <= t <= 68]
    # the notice, taking turns with the exercise's hint (None), 4 s each
    shown = [v.notice for v in spoiled]
    assert spoiled and all(n is None or "niet gebruikt" in n for n in shown)
    assert sum(n is not None for n in shown) >= 0.4 * len(shown)
    assert between(out, ev.Breath, 42, 68), "feedback goes on with the last good config"
    assert not any(v.notice for t, v in views if 72 <= t <= 100)


def test_no_display_at_start_runs_on_with_the_ring(config, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "nosuchdriver")
    out, _, db = run_with(config, 40, {}, headless=False)
    f = [e for e in out if isinstance(e, ev.Fault) and e.kind == "display"]
    assert len(f) == 1 and "no display" in f[0].detail
    assert between(out, ev.Breath, 0, 40)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM faults WHERE kind='display'").fetchone() == (1,)


def test_no_display_at_start_with_no_terminal_writes_no_status_line(config, monkeypatch,
                                                                     capsys):
    """The unit's service has no terminal: its standard output is the journal. The status
    line that a missing screen brought on wrote a line a second there (on the loop's
    thread) for the whole session, also after the screen had come back."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "nosuchdriver")
    settings, programme = load_all(config)
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=5, headless=False) as s:
        s.run()
    assert s.status is None and "/min" not in capsys.readouterr().out


def test_a_screen_that_came_before_the_session_is_no_fault_in_its_record(config,
                                                                          monkeypatch):
    """The unit waits for the patient: the screen comes at 3 s, start is pressed at 20 s.
    The record of that session holds no display fault (it held one from 'at 0', never
    ended, because the fault's end came while nothing was recorded)."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "nosuchdriver")

    def wait_for_the_patient(s):
        s.coach._pending_start = False

    def screen_arrives(s):
        monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")

    def press_start(s):
        s.button("start_pause", s.now())

    out, _, db = run_with(config, 40, {0.0: wait_for_the_patient, 3.0: screen_arrives,
                                       20.0: press_start}, headless=False)
    assert [type(e) for e in out if getattr(e, "kind", None) == "display"] == [
        ev.Fault, ev.FaultEnd]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM faults WHERE kind='display'").fetchone() \
            == (0,)


def test_a_display_missing_at_start_is_tried_again_until_it_opens(config, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "nosuchdriver")  # no screen yet at boot
    shown = []

    def screen_arrives(s):
        monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")

    def look(s):
        shown.append((s.now(), s.display.is_open, s.loop.stats["screen"].ticks))

    views = []

    def count_views(s):  # no view is built for a screen that is not there
        view = s.coach.view
        s.coach.view = lambda *a: views.append(s.now()) or view(*a)

    out, _, db = run_with(config, 40, {0.0: count_views, 12.0: screen_arrives, 11.0: look,
                                       25.0: look}, headless=False)
    f = [e for e in out if isinstance(e, ev.Fault) and e.kind == "display"]
    end = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "display"]
    assert len(f) == 1 and f[0].at == 0.0 and "no display" in f[0].detail
    assert len(end) == 1 and 12.0 <= end[0].at <= 17.5  # tried again every 5 s
    assert shown[0][1] is False and shown[1][1] is True
    # while missing: only the terminal status line's view, once a second (not 30 a second)
    assert len([v for v in views if v < end[0].at]) <= end[0].at + 1
    assert len([v for v in views if v > end[0].at + 1]) > 20 * (40 - end[0].at - 1)
    assert between(out, ev.Breath, 0, 40)
    with sqlite3.connect(db) as conn:
        kinds = conn.execute("SELECT kind FROM faults WHERE kind='display'").fetchall()
    assert kinds == [("display",)]


def _status_lines(config, seconds, arrives_at, tty, monkeypatch):
    """Run with the screen missing at start (arriving at ``arrives_at``, if given), the
    terminal status line on, as ``ademcoach run`` opens it; the status lines written, by
    the second they were written in."""
    import io

    class Out(io.StringIO):
        def isatty(self):
            return tty

    monkeypatch.setenv("SDL_VIDEODRIVER", "nosuchdriver")
    out = Out()
    monkeypatch.setattr("sys.stdout", out)
    settings, programme = load_all(config)
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=seconds, headless=False) as s:
        s.end_when_done = False
        s.coach._pending_start = False  # the start screen, waiting for the patient
        if arrives_at is not None:
            s.loop.add("arrive", lambda due: monkeypatch.setenv("SDL_VIDEODRIVER", "dummy"),
                       first=s.t0 + arrives_at)
        s.loop.add("look", lambda due: (s.lines.append((s.now(), out.getvalue().count(
            "\r") + out.getvalue().count("\n"))), due + 1.0)[1], first=s.t0 + 0.5)
        s.lines = []
        s.run()
        return s.lines, s.display.is_open


def test_the_status_line_stops_when_the_missing_screen_opens(config, monkeypatch):
    """A screen not ready at boot comes 12 s later: the terminal's status line, there for
    the while without a screen, stops (it went on once a second, the unit left on for
    months with its screen working)."""
    lines, is_open = _status_lines(config, 300, 12.0, True, monkeypatch)
    assert is_open
    missing = max(n for t, n in lines if t < 18.0)
    assert 5 <= missing <= 18  # once a second while the screen was missing
    assert lines[-1][1] == missing and lines[-1][0] > 298.0  # none once it is there


def test_no_status_line_goes_to_the_journal_while_the_screen_is_missing(config, monkeypatch):
    """The unit's standard output is the journal on its SD card: a screen that never
    comes (a broken monitor at home) does not make it a status line a second (3,600 an
    hour, for weeks); the display fault is logged once."""
    lines, is_open = _status_lines(config, 300, None, False, monkeypatch)
    assert not is_open
    assert lines[-1][1] == 0 and lines[-1][0] > 298.0


def test_a_display_lost_while_running_is_a_fault_and_comes_back(config, monkeypatch):
    import pygame

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    out, _, _ = run_with(config, 40, {20.0: lambda s: pygame.display.quit()}, headless=False)
    f = [e for e in out if isinstance(e, ev.Fault) and e.kind == "display"]
    end = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "display"]
    assert len(f) == 1 and 20.0 <= f[0].at < 20.5 and "display lost" in f[0].detail
    assert len(end) == 1 and 25.0 <= end[0].at <= 26.0
    assert between(out, ev.Breath, 20, 40)


def test_a_belt_taken_off_and_left_ends_the_session_as_left(config, tmp_path):
    """The belt unplugged 80 s in and not put back, the unit on: the exercise waited for
    it for good (and went on with whoever came the next day). After ``LEFT_S`` without a
    belt that measures the session ends at its summary, recorded as "left" with the
    practice before the belt went out; the belt back later changes nothing."""
    from feedback.coach import LEFT_S
    from feedback.sessions import load_sessions

    scenario = tmp_path / "off.toml"
    scenario.write_text(
        '[scenario]\ndescription = "the belt off at 80 s for good"\nseed = 7\n'
        '[breathing]\nrate_bpm = 10.0\nratio = 1.5\n[signal]\nexcursion_cm = 1.5\n'
        'noise_mv = 1.0\n[[episode]]\nkind = "unplugged"\nstart_s = 80.0\n'
        f'duration_s = {LEFT_S + 60.0}\nbelt = "all"\n')
    seconds = 80.0 + LEFT_S + 120.0
    # (a simulation ends at its summary; the unit stays on with it)
    stay_on = {1.0: lambda s: setattr(s, "end_when_done", False)}
    out, views, db = run_with(config, seconds, stay_on, scenario=str(scenario))
    fault = next(e for e in out if isinstance(e, ev.Fault))
    start, end = [e for e in out if isinstance(e, ev.Exercise)
                  and e.name == "Buikademhaling liggend"]
    assert fault.kind == "disconnected" and 80.0 <= fault.at < 82.0
    assert end.at == pytest.approx(fault.at + LEFT_S, abs=0.1)
    assert end.active_s == pytest.approx(fault.at - start.at, abs=0.1)
    assert [v.screen for t, v in views if fault.at + 2.0 < t < end.at] == ["sensor"] * int(
        LEFT_S - 2.0)
    assert {v.screen for t, v in views if t > end.at} == {"summary"}
    with sqlite3.connect(db) as conn:
        (s,) = load_sessions(conn)
    assert s.end_reason == "left"
    assert s.minutes == pytest.approx((fault.at - start.at) / 60.0, abs=0.01)


def test_a_belt_taken_off_but_left_plugged_in_is_a_belt_fault_not_a_hold(config, tmp_path):
    """At home the belt is unwrapped and laid down, its plug still in: the belt lies
    still, with the ADC's noise and no rail to say it is out. The analysis finds a hold;
    before, "Blijf ademen!" stayed on (red ring, buzzer) for as long as the belt lay
    there, the exercise's clock ran on and counted it as practice toward the home
    target, and the record had one hold of minutes. Stillness of ``NOT_WORN_S`` is no
    breath held: the hold ends there, the belt screen asks to check the belt ("geen
    beweging gemeten"), the clock stands still, and all is as before once the belt
    breathes again. Nor was its first minute a hold (it counted as one, and as practice,
    until the next change): the record keeps it, marked, and counts it nowhere."""
    import contextlib
    import io

    from feedback.analysis.analyzer import NOT_WORN_S
    from feedback.run import print_summary
    from feedback.sessions import load_sessions

    scenario = tmp_path / "laid-down.toml"
    scenario.write_text(TAKEN_OFF)
    summary, printed = [], io.StringIO()

    def at_end(s):
        summary.extend(s.coach.summary())
        with contextlib.redirect_stdout(printed):
            print_summary(s, "duration")

    out, views, db = run_with(config, 330, {329.0: at_end}, scenario=str(scenario))
    (hold,) = between(out, ev.Hold, 100, 330)
    (end,) = between(out, ev.HoldEnd, 100, 330)
    faults = [e for e in out if isinstance(e, ev.Fault)]
    assert [(f.kind, f.belt) for f in faults] == [("flat", "belly")]
    assert 0.0 <= faults[0].at - (hold.t + NOT_WORN_S) <= 0.1
    assert end.at == faults[0].at and end.not_worn
    (over,) = [e for e in out if isinstance(e, ev.FaultEnd)]
    assert 280.0 < over.at < 292.0  # breathing again (the scenario's "hold" ends at 280 s)
    assert "check_belt" in {c.kind for c in between(out, ev.Cue, faults[0].at, faults[0].at)}
    during = [(t, v) for t, v in views if faults[0].at + 1.0 < t < over.at]
    assert {v.screen for t, v in during} == {"sensor"} and {v.fault for t, v in during} == {
        "flat"}
    assert not any(v.warning for t, v in during)
    assert len({round(v.left_s or 0.0, 1) for t, v in during}) == 1  # the clock stands still
    assert any(v.screen == "exercise" and not v.warning for t, v in views if t > over.at + 2)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT t, end_t, not_worn FROM holds").fetchall() == [
            (hold.t, end.t, 1)]
        (s,) = load_sessions(conn)
    assert s.holds == [] and sum(e.holds for e in s.exercises) == 0
    assert sum(row["holds"] for row in summary) == 0
    tally = printed.getvalue()  # (the headless summary's tally: no hold, no warning either)
    assert ", holds 0, " in tally and "breathe_on" not in tally and "check_belt 1" in tally
    still_s = over.at - hold.t  # not practice
    assert s.minutes == pytest.approx((330.0 - still_s - s.exercises[0].minutes * 60) / 60.0,
                                      abs=0.1)



def test_a_belt_not_worn_stays_so_through_a_pause(config, tmp_path):
    """The belt laid down at 100 s (taken for not worn at about 168 s), the patient
    pauses at 200 s and goes on at 230 s, the belt still lying there: the belt fault
    goes on through the pause and after it (before, the pause ended it, and the next
    minute warned "Blijf ademen!" again), until the belt breathes again at 280 s."""
    scenario = tmp_path / "laid-down.toml"
    scenario.write_text(TAKEN_OFF)
    press = {at: (lambda s: s.button("start_pause", s.now())) for at in (200.0, 230.0)}
    out, views, _db = run_with(config, 330, press, scenario=str(scenario))
    (fault,) = [e for e in out if isinstance(e, ev.Fault)]
    (over,) = [e for e in out if isinstance(e, ev.FaultEnd)]
    assert fault.at < 200.0 and 280.0 < over.at < 292.0
    assert len(between(out, ev.Hold, 100, 330)) == 1
    assert {(v.screen, v.paused) for t, v in views if 201 < t < 230} == {("sensor", True)}
    assert not any(v.warning for t, v in views if fault.at + 1.0 < t < over.at)


def test_a_belt_not_worn_stays_so_through_a_sensor_outage(config, tmp_path):
    """The belt laid down at 100 s (taken for not worn at about 164 s); the sensor does
    not answer for 4 s from 200 s (an i2c fault), the belt still lying there. The belt
    fault goes on after the outage until the belt breathes again at 280 s. Before, the
    outage ended it, and 13 s later "Blijf ademen!" came on for 52 s with no one in the
    belt, its minute counted as practice and stored as a second hold."""
    scenario = tmp_path / "laid-down.toml"
    scenario.write_text(TAKEN_OFF)
    out, views, db = run_with(config, 330, {200.0: lambda s: s.parts.chip.fail_next(4 * 200)},
                              scenario=str(scenario))
    flat = [e for e in out if isinstance(e, ev.Fault) and e.kind == "flat"]
    assert len(flat) == 1 and flat[0].at < 200.0
    (over,) = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "flat"]
    assert 280.0 < over.at < 292.0
    assert len(between(out, ev.Hold, 100, 330)) == 1
    assert {v.screen for t, v in views if 206 < t < 280} == {"sensor"}
    assert not any(v.warning for t, v in views if flat[0].at + 1.0 < t < over.at)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM holds").fetchone()[0] == 1


def test_a_belt_laid_down_during_the_calibration_is_not_worn(config, tmp_path):
    """The belt is taken off at 9 s, in the session's calibration (after its first breath,
    before the normal breath is known), and put on again at 159 s. Before calibration no
    hold is judged, so the unit said nothing; once the belt breathed again, a breath of
    135 s (from before it lay down) was stored and learned as a normal one, then a hold
    of 156 s, and the next exercise began with "Blijf ademen!" for a patient breathing.
    Now the belt screen asks to check the belt a minute after it lay down, until it
    breathes again, and none of that is stored."""
    scenario = tmp_path / "laid-down.toml"
    scenario.write_text(TAKEN_OFF.replace("start_s = 100.0\nduration_s = 180.0",
                                          "start_s = 9.0\nduration_s = 150.0"))
    out, views, db = run_with(config, 280, {}, scenario=str(scenario))
    (fault,) = [e for e in out if isinstance(e, ev.Fault)]
    (over,) = [e for e in out if isinstance(e, ev.FaultEnd)]
    assert fault.kind == "flat" and 69.0 <= fault.at < 71.0 and 159.0 < over.at < 165.0
    assert {v.screen for t, v in views if fault.at + 1.0 < t < over.at} == {"sensor"}
    assert not any(v.warning for t, v in views)
    assert not [e for e in out if isinstance(e, ev.Hold)]
    assert not [b for b in out if isinstance(b, ev.Breath) and b.end - b.start > 60.0]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM holds").fetchone()[0] == 0


def test_of_two_belts_the_belly_laid_down_is_a_belt_to_check_while_the_chest_measures(
        config, tmp_path):
    """Two belts; the belly belt is taken off at 100 s and laid down, its plug still in,
    and put on again at 280 s. The chest breathes on, so the sum never holds still, and
    before nothing said the belt was off: the patient heard "Adem naar je buik" every
    25-35 s (a share near 0), and every breath read less than half as deep. Now the belly
    is not worn a minute after it lay down: "Controleer de buikband ...; de borstband meet
    verder", the exercise goes on with the chest alone (no warning, its breaths about 1.0
    deep and without a share), until the belt breathes again."""
    from feedback.analysis.analyzer import NOT_WORN_S

    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('belts = ["belly"]', 'belts = ["chest", "belly"]').replace(
        'channels = ["A0"]', 'channels = ["A0", "A1"]'), encoding="utf-8")
    scenario = tmp_path / "belly-laid-down.toml"
    scenario.write_text(TAKEN_OFF + 'belt = "belly"\n')
    out, views, _db = run_with(config, 330, {}, scenario=str(scenario))
    (fault,) = [e for e in out if isinstance(e, ev.Fault)]
    (over,) = [e for e in out if isinstance(e, ev.FaultEnd)]
    assert (fault.kind, fault.belt) == ("flat", "belly")
    assert fault.at == pytest.approx(100.0 + NOT_WORN_S, abs=1.0)
    assert over.belt == "belly" and 280.0 <= over.at < 282.0
    assert "check_belt" in {c.kind for c in between(out, ev.Cue, fault.at, fault.at)}
    assert not [c for c in between(out, ev.Cue, 100.0, over.at) if c.kind == "belly"]
    assert not between(out, ev.Hold, 100.0, 330.0)
    during = [v for t, v in views if fault.at + 1.0 < t < over.at]
    assert {v.screen for v in during} == {"exercise"} and not any(v.warning for v in during)
    assert any(v.notice and "buikband" in v.notice and "borstband meet verder" in v.notice
               for v in during)
    # (the breath it was laid down in is not one: one after it is missed or merged)
    lying = [b for b in between(out, ev.Breath, 112.0, over.at) if b.start > 112.0]
    assert len(lying) >= 12 and all(b.belly_share is None for b in lying)
    assert max(abs(b.depth - 1.0) for b in lying) < 0.1
    back = [b.belly_share for b in between(out, ev.Breath, 295.0, 330.0)]
    assert len(back) >= 2 and back == pytest.approx([0.6] * len(back), abs=0.1)


# Two belts, a patient breathing 12/min on their own; the belly taken off at 100 s and
# laid down: it goes slack (0.22 V lower: the cord without its 15 % pre-tension), and
# is put on again at ``{on}`` s.
SLACK = ('[scenario]\ndescription = "the belly laid down slack"\nseed = 1\n'
         '[breathing]\nrate_bpm = 12.0\nratio = 1.5\npause_s = 0.3\njitter = 0.05\n'
         'belly_share = 0.5\n[follow]\ncompliance = 0.0\n'
         '[signal]\nexcursion_cm = 1.5\nnoise_mv = 1.0\n'
         '[[episode]]\nkind = "taken_off"\nbelt = "belly"\nstart_s = 100.0\n'
         'duration_s = {off}\n')


@pytest.mark.parametrize("on", [282.5, 283.5])
def test_a_belly_belt_put_on_again_from_slack_is_no_hold(config, tmp_path, on):
    """The belly laid down goes slack, and goes back to its tension when put on again.
    Lying still for two minutes it had left the belts' phase nothing to go by, and its
    step back, against the chest's movement, turned it round in the sum: the belts
    cancelled, and "Blijf ademen!" came 8-11 s later for 15-18 s to a patient breathing
    on, with breaths half as deep around it. Now it is held out of the sum for
    ``PUT_ON_S`` while it is put on: no hold, every breath about 1.0 deep, the share back.
    (Without that hold-out, the belt put on at 282.5-283.5 s makes the breath under way
    0.5-0.8 deep and then one of 0.03-0.3.)"""
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('belts = ["belly"]', 'belts = ["chest", "belly"]').replace(
        'channels = ["A0"]', 'channels = ["A0", "A1"]'), encoding="utf-8")
    scenario = tmp_path / "belly-slack.toml"
    scenario.write_text(SLACK.format(off=on - 100.0))
    out, views, _db = run_with(config, on + 40.0, {}, scenario=str(scenario))
    (over,) = [e for e in out if isinstance(e, ev.FaultEnd)]
    assert over.belt == "belly" and on <= over.at < on + 1.0
    assert not between(out, ev.Hold, 100.0, on + 40.0)
    assert not any(v.warning for t, v in views if t > on)
    after = between(out, ev.Breath, on, on + 40.0)
    assert len(after) >= 7
    assert all(b.depth == pytest.approx(1.0, abs=0.1) for b in after), [
        (round(b.start, 1), round(b.depth, 2)) for b in after]
    assert [b.belly_share for b in after[2:]] == pytest.approx([0.5] * len(after[2:]), abs=0.1)


@pytest.mark.parametrize("noise_mv", [2.0, 3.0])
def test_a_belly_of_a_small_share_put_on_again_from_slack_is_no_other_fault(config, tmp_path,
                                                                           noise_mv):
    """A chest breather's belly (a tenth of the breath) laid down slack and put on again
    at 280 s. Its step back, more than 4 of its breaths, was taken for a plug put in: at
    2 mV of noise "unplugged" for 3 s; or, clipped, for noise: at 3 mV ``noisy`` for 5 s
    from 3 s after it was put on. The notice flickered on, and the record had a fault
    the belt never had. Now the one fault, not worn, ends as it is put on."""
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('belts = ["belly"]', 'belts = ["chest", "belly"]').replace(
        'channels = ["A0"]', 'channels = ["A0", "A1"]'), encoding="utf-8")
    scenario = tmp_path / "belly-small-slack.toml"
    scenario.write_text(SLACK.format(off=180.0).replace("belly_share = 0.5", "belly_share = 0.1")
                        .replace("rate_bpm = 12.0", "rate_bpm = 8.0")
                        .replace("noise_mv = 1.0", f"noise_mv = {noise_mv}"))
    out, _views, _db = run_with(config, 300.0, {}, scenario=str(scenario))
    faults = [(e.kind, e.belt) for e in out if isinstance(e, ev.Fault)]
    assert faults == [("flat", "belly")]
    (over,) = [e for e in out if isinstance(e, ev.FaultEnd)]
    assert 280.0 <= over.at < 281.0
    after = [b.belly_share for b in between(out, ev.Breath, 290.0, 300.0)]
    assert after and after == pytest.approx([0.1] * len(after), abs=0.05)


def test_a_belt_laid_down_as_the_session_ends_is_no_hold_in_its_record(config, tmp_path):
    """The belt laid down at 100 s and the session ended with "next" through its
    exercises at 110-114 s, the unit left on. The hold the belt made was taken for a belt
    not worn only at about 164 s, after the record was closed: its row kept no end, and
    the report counted a hold lasting to the session's end, while the summary screen
    said 0. The record now gets that end, marked, and counts it nowhere."""
    from feedback.sessions import load_sessions

    scenario = tmp_path / "laid-down.toml"
    scenario.write_text(TAKEN_OFF)
    actions = {1.0: lambda s: setattr(s, "end_when_done", False)}  # (the unit stays on)
    actions.update({110.0 + k: (lambda s: press_next(s.coach, s.now(), s.button))
                    for k in range(5)})
    summary = []
    out, _views, db = run_with(config, 200, {**actions, 199.0: lambda s: summary.extend(
        s.coach.summary())}, scenario=str(scenario))
    (hold,) = between(out, ev.Hold, 100, 200)
    ended = max(e.at for e in out if isinstance(e, ev.Exercise))
    (end,) = between(out, ev.HoldEnd, 100, 200)
    assert hold.at < ended < end.at and end.not_worn
    assert sum(row["holds"] for row in summary) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT t, end_t, not_worn FROM holds").fetchall() == [
            (hold.t, end.t, 1)]
        (s,) = load_sessions(conn)
    assert s.holds == [] and sum(e.holds for e in s.exercises) == 0


def test_no_breath_is_recorded_across_the_time_a_belt_lay_unworn(config, tmp_path):
    """The belt laid down at 100 s and put on again at 280 s: the session takes it for not
    worn after 60 s still (a ``flat`` fault, its minutes left out), but the analysis,
    which knows nothing of that fault, reported the first breath after it as one breath
    from 104 s to 289 s (37 s in, 147 s out), stored and counted: the report gave the
    exercise 2.7 breaths/min for a patient breathing 5.2/min. A breath across the time
    the belt was not worn is no breath, as one across a flat or unplugged belt is not."""
    from feedback.report_tables import rate
    from feedback.sessions import load_sessions

    scenario = tmp_path / "laid-down.toml"
    scenario.write_text(TAKEN_OFF)
    out, _views, db = run_with(config, 330, {}, scenario=str(scenario))
    (fault,) = [e for e in out if isinstance(e, ev.Fault)]
    (over,) = [e for e in out if isinstance(e, ev.FaultEnd)]
    breaths = [e for e in out if isinstance(e, ev.Breath)]
    assert not [b for b in breaths if b.start < fault.at < b.end], "a breath across it"
    back = between(out, ev.Breath, over.at, 330)
    assert len(back) >= 3  # breathing is measured again
    # (put on from slack, 0.22 V below its worn level: that step is no breath of its own)
    assert all(b.depth == pytest.approx(1.0, abs=0.1) and b.start >= over.at - 1.0
               for b in back), [(round(b.start, 1), round(b.depth, 2)) for b in back]
    with sqlite3.connect(db) as conn:
        assert not conn.execute("SELECT count(*) FROM breaths WHERE start < ? AND \"end\" > ?",
                                (fault.at, fault.at)).fetchone()[0]
        (s,) = load_sessions(conn)
    assert rate(s.exercises[1].breaths) == pytest.approx(60 / 11.5, abs=0.3)


def test_a_sensor_blip_mid_phase_sounds_no_second_pacer_tone(config):
    """The sensor does not answer for 1 s in the middle of an exhale (an i2c fault shorter
    than the coach's BLIP_S): the pacer goes on in its rhythm. Before, the exhale tone
    sounded again when the fault ended, 2.4 s into the exhale, where the ring made no
    turn: a patient with eyes closed took it for a new breath."""
    settings, programme = load_all(config)
    settings.sound["enabled"] = True
    turns, plays = [], []
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=70, status=False) as s:
        out = []
        s.sinks.append(out.append)
        real_play = s.sound._play
        s.sound._play = lambda name: (plays.append((s.now(), name)), real_play(name))
        phase = [None]

        def watch(due):  # the ring's turns: where the pacer enters a phase
            now = s.now()
            p = s.coach.pacer.phase(now) if s.coach.pacer is not None else None
            if p != phase[0] and p in ("inhale", "exhale"):
                turns.append((now, p))
            phase[0] = p
            return due + 1 / 30

        s.loop.add("watch", watch, first=s.t0 + 0.005)
        s.loop.add("blip", lambda due: s.parts.chip.fail_next(200), first=s.t0 + 40.0)
        s.run()
    assert [round(e.at) for e in out if isinstance(e, ev.Fault | ev.FaultEnd)] == [40, 42]
    assert any(20 < t < 40 for t, _ in plays)
    tones = [(t, n) for t, n in plays if n != "warning" and t > 20]
    # one tone at each turn of the pacer, at its turn, and none elsewhere
    assert len(tones) == len([x for x in turns if x[0] > 20]) >= 6
    for (t, name), (turn, phase_name) in zip(tones, [x for x in turns if x[0] > 20],
                                             strict=True):
        assert name == phase_name and abs(t - turn) < 0.05, (tones, turns)


def test_a_session_stopped_mid_warning_leaves_nothing_sounding(config):
    """The session stops (duration, q, SIGTERM: the same way out) while "Blijf ademen!"
    sounds, tone and buzzer. Before, the audio mixer was never closed: a warning tone
    in it played on, and the audio device stayed held by a unit that had stopped."""
    import pygame

    settings, programme = load_all(config)
    settings.sound["enabled"] = True
    settings.buttons["buzzer"] = 13
    with open_session(settings, programme, config, sim="holds", clock=VirtualClock(),
                      duration=58, status=False) as s:
        seen = []
        s.loop.add("look", lambda due: seen.append((
            s.coach.warning, s.parts.controls.buzzer_on, pygame.mixer.get_busy())),
            first=s.t0 + 57.9)
        s.run()
        assert seen == [(True, True, True)]  # stopped mid-warning, tone and buzzer on
        pin = s.parts.pin_factory.pin(13)
    assert pygame.mixer.get_init() is None
    assert not pin.state and pin.function == "input"


def _sound_on(config):
    text = config.read_text("utf-8")
    assert text.count("\nenabled = false\n") == 1  # ([sound] enabled)
    config.write_text(text.replace("\nenabled = false\n", "\nenabled = true\n"), "utf-8")
    return config


def test_sound_on_without_a_sound_card_is_shown_and_recorded_and_coaching_goes_on(
        config, monkeypatch):
    """[sound] enabled on a unit whose audio device cannot be opened. Before, sound
    switched itself off with a line in the journal only: the therapist who turned it on
    saw a silent unit with nothing on screen or in the records to say why."""
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    out, views, db = run_with(_sound_on(config), 60, {})
    (f,) = [e for e in out if isinstance(e, ev.Fault) and e.kind == "sound"]
    assert f.at <= 1.0 and f.detail.startswith("audio device could not be opened"), f
    shown = [t for t, v in views if v.notice and "geluid werkt niet" in v.notice.lower()]
    assert any(t < 19 for t in shown) and any(t > 25 for t in shown), shown  # (taking
    # turns with the screen's own line at the bottom)
    assert between(out, ev.Breath, 30, 60), "the coaching goes on"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, end_at FROM faults").fetchall()
    assert rows == [("sound", None)]  # (on at the start of the record: recorded there)


def test_sound_that_failed_is_tried_again_and_comes_back(config, monkeypatch):
    """No audio device at the start (a USB sound card not plugged in), then one from
    30 s. Before, sound stayed off until the settings were reloaded or the unit
    restarted, its fault on screen all along. The device is tried again once a minute:
    the fault ends, and the pacer's tones sound again."""
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    played = []

    def plugged_in(s):
        monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
        real = s.sound._play
        s.sound._play = lambda name: (played.append((s.now(), name)), real(name))

    out, views, db = run_with(_sound_on(config), 150, {30.0: plugged_in})
    changes = [(type(e).__name__, e.at) for e in out
               if isinstance(e, ev.Fault | ev.FaultEnd) and e.kind == "sound"]
    assert [c[0] for c in changes] == ["Fault", "FaultEnd"], changes
    assert changes[0][1] <= 1.0 and 30.0 < changes[1][1] <= 30.0 + SOUND_RETRY_S + 1.0
    assert played and min(t for t, _ in played) >= changes[1][1]
    assert {n for _, n in played} >= {"inhale", "exhale"}
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, end_at IS NOT NULL FROM faults").fetchall()
    assert rows == [("sound", 1)]


def _buzzer_on_a_pin_that_can_fail(config, monkeypatch) -> dict:
    """``config`` with a buzzer on GPIO 13, whose pin raises the pin library's error while
    the returned dict's ``on`` is true (a loose lead)."""
    from gpiozero.pins.mock import MockPWMPin

    text = config.read_text("utf-8")
    assert text.count("\nbuzzer = -1\n") == 1
    config.write_text(text.replace("\nbuzzer = -1\n", "\nbuzzer = 13\n"), "utf-8")
    broken = {"on": False}
    real = MockPWMPin._set_state

    def written(pin, value):
        if broken["on"] and pin.info.name == "GPIO13":
            raise OSError(121, "Remote I/O error")
        return real(pin, value)

    monkeypatch.setattr(MockPWMPin, "_set_state", written)
    return broken


def test_a_buzzer_pin_that_fails_is_a_sound_fault_and_the_session_goes_on(config, monkeypatch):
    """A buzzer on GPIO 13 whose pin cannot be written from 60 s on (a loose lead, the
    pin library's error). Before, the error went up through the timer loop and ended the
    session at the next hold warning. Now it is a ``sound`` fault, shown and recorded,
    the ring and the screen warn on, and it is over once the pin is written again."""
    broken = _buzzer_on_a_pin_that_can_fail(config, monkeypatch)
    out, views, db = run_with(config, 200, {60.0: lambda s: broken.update(on=True),
                                            150.0: lambda s: broken.update(on=False)},
                              scenario="holds")
    warned = [e for e in out if isinstance(e, ev.Hold)]
    assert any(60.0 < e.at < 150.0 for e in warned), [e.at for e in warned]
    faults = [e for e in out if isinstance(e, ev.Fault) and e.kind == "sound"]
    assert len(faults) == 1 and faults[0].detail.startswith("buzzer: OSError")
    first = min(e.at for e in warned if e.at > 60.0)
    assert 60.0 < faults[0].at < first + 0.5  # (by the first warning that could not buzz)
    assert any(v.warning for t, v in views if faults[0].at < t < 150.0)  # it warns on
    assert any(v.notice and "geluid werkt niet" in v.notice.lower() for t, v in views
               if faults[0].at + 1.0 < t < 150.0)
    ends = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "sound"]
    assert len(ends) == 1 and 150.0 <= ends[0].at <= 151.5  # (tried once a second)
    assert between(out, ev.Breath, 190, 200), "the session went on to its end"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT kind FROM faults").fetchall() == [("sound",)]


def test_a_mixer_that_fails_while_running_is_shown_and_recorded(config):
    """The audio device fails at 40 s: the next tone cannot be played. Before, sound
    switched itself off with a line in the journal only."""
    import pygame

    class Gone:  # a tone the mixer can no longer play
        def play(self):
            raise pygame.error("audio device lost")

    def lose(s):
        s.sound._sounds = dict.fromkeys(s.sound._sounds, Gone())

    out, views, db = run_with(_sound_on(config), 80, {40.0: lose})
    (f,) = [e for e in out if isinstance(e, ev.Fault) and e.kind == "sound"]
    assert 40.0 < f.at < 50.0
    assert any(v.notice and "geluid werkt niet" in v.notice.lower() for t, v in views
               if f.at + 1.0 < t), [v.notice for t, v in views]
    assert not any(v.notice for t, v in views if t < 40)
    assert between(out, ev.Breath, f.at, 80), "the coaching goes on"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, at FROM faults").fetchall()
    assert rows == [("sound", pytest.approx(f.at))]


def test_a_buzzer_failing_beside_a_sound_card_that_fails_is_named_in_the_records(
        config, monkeypatch):
    """Sound on without an audio device (a ``sound`` fault from the start), and the
    buzzer's pin failing from 60 s to 150 s. Before, the one fault named the audio device
    only: the buzzer's failure was in no record, and the technician who mended or
    switched off the sound found it still on, for a reason the record did not say. Now a
    change in what fails ends the fault and begins one that names it, as for buttons."""
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    broken = _buzzer_on_a_pin_that_can_fail(_sound_on(config), monkeypatch)
    out, views, db = run_with(config, 200, {60.0: lambda s: broken.update(on=True),
                                            150.0: lambda s: broken.update(on=False)},
                              scenario="holds")
    changes = [(type(e).__name__, round(e.at), getattr(e, "detail", None) or "")
               for e in out if isinstance(e, ev.Fault | ev.FaultEnd) and e.kind == "sound"]
    assert [c[0] for c in changes] == ["Fault", "FaultEnd", "Fault", "FaultEnd", "Fault"], \
        changes
    first, both, alone = changes[0], changes[2], changes[4]
    assert first[1] <= 1 and "audio device" in first[2] and "buzzer" not in first[2]
    assert 60 < both[1] < 150 and changes[1][1] == both[1]
    assert "audio device" in both[2] and "buzzer: OSError" in both[2], both
    assert 150 <= alone[1] == changes[3][1] <= 151 and "buzzer" not in alone[2], changes
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT detail, end_at IS NULL FROM faults WHERE kind='sound' "
                            "ORDER BY at").fetchall()
    assert [("buzzer" in d, open_) for d, open_ in rows] == [
        (False, False), (True, False), (False, True)], rows


def test_a_pacer_turn_that_fell_in_a_sensor_blip_is_not_sounded_late():
    """The ring turns to the exhale at 14.0 s while the sensor does not answer (a blip
    shorter than BLIP_S: the pacer goes on). Before, the exhale tone came when the blip
    ended, 0.6 s into the exhale, where the ring makes no turn; and sound switched on by
    a reload mid-phase sounded at once. A turn is sounded at the turn, or not at all."""
    from feedback.config import defaults
    from feedback.sound import Sound

    settings = defaults()
    settings.sound["enabled"] = True
    sound = Sound(settings.sound)
    try:
        assert sound.enabled, sound.problem
        sound.update(10.0, "inhale", False, 10.0)               # at the turn: sounded
        sound.update(10.2, "inhale", False, 10.0)               # the same phase: not again
        sound.update(13.9, None, False)                         # the blip
        sound.update(14.6, "exhale", False, 14.0)               # its turn, 0.6 s ago
        sound.update(20.03, "inhale", False, 20.0)              # the next turn, one frame on
        assert list(sound.played) == ["inhale", "inhale"]
    finally:
        sound.close()
    late = Sound(settings.sound)                                # switched on mid-phase
    try:
        late.update(25.0, "inhale", False, 20.0)
        late.update(26.0, "exhale", False, 26.0)
        assert list(late.played) == ["exhale"]
    finally:
        late.close()


def test_a_mixer_whose_tones_cannot_be_made_is_let_go(monkeypatch):
    """The audio device opens, but its tones cannot be made from the arrays (a device
    that opened with another layout than asked). Before, the mixer stayed open, holding
    the device, as no tone was there for ``close`` to see. Now sound is a fault with the
    reason, and the device is let go."""
    import pygame

    from feedback import sound as sound_module
    from feedback.config import defaults

    def unmade(*args, **kwargs):
        raise ValueError("array of the wrong shape for the mixer")

    monkeypatch.setattr(pygame.sndarray, "make_sound", unmade)
    settings = defaults()
    settings.sound["enabled"] = True
    sound = sound_module.Sound(settings.sound)
    assert not sound.enabled and "wrong shape" in sound.problem
    assert pygame.mixer.get_init() is None
    sound.update(10.0, "inhale", False, 10.0)  # (nothing plays, nothing breaks)
    sound.close()


def _hog(s, until: float, stall_s: float = 0.6):
    """From now until session time ``until``, another process takes the CPU for
    ``stall_s`` of every second: the clock moves on inside a timer of the loop."""
    def hog(due):
        if s.now() >= until:
            return None
        s.clock.advance(stall_s)
        return due + 1.0

    s.loop.add("hog", hog)


@pytest.mark.parametrize("apart, fault_at", [(6.0, None), (4.0, 8.6)])
def test_three_late_readings_within_ten_seconds_are_a_slow_fault_fewer_are_not(apart,
                                                                              fault_at,
                                                                              caplog):
    """Late readings (0.6 s without one, no read failing) ``apart`` seconds apart: one
    every 6 s leaves a paced breath between two of them, never three within 10 s; one
    every 4 s makes the third a ``slow`` fault. A single gap of 2.5 s is one at once;
    the fault is over once the belt has been read in time for 10 s. The fault's detail
    says how many gaps within how long, and the journal how many came while it lasted."""
    from feedback.latches import SlowLatch

    latch = SlowLatch()
    got = []
    for k in range(4):
        t = apart * k + 0.6
        got += latch.late(t - 0.6, t)
    assert [(e.kind, e.at) for e in got] == (
        [] if fault_at is None else [("slow", pytest.approx(fault_at))])
    if got:
        assert got[0].detail.startswith(
            "the belt could not be read in time: 3 gaps of over 0.5 s between readings "
            "within 8.6 s (longest 0.60 s;"), got[0].detail
    one = SlowLatch()
    assert one.late(0.0, 2.4) == [] and one.ok(2.42) == []
    (fault,) = one.late(30.0, 32.5)
    assert fault.kind == "slow"
    assert fault.detail.startswith(
        "the belt could not be read in time: 1 gap of over 0.5 s between readings within "
        "2.5 s (longest 2.50 s;"), fault.detail
    assert one.late(33.0, 33.75) == []  # (on already: counted for the journal)
    assert one.ok(43.5) == []
    with caplog.at_level(logging.INFO, logger="feedback.app"):
        (over,) = one.ok(43.75)  # read in time for 10 s since the last late gap
    assert isinstance(over, ev.FaultEnd) and over.kind == "slow"
    assert "slow fault over at 43.8 s, after 2 late gaps" in caplog.messages


def test_late_readings_exactly_ten_seconds_apart_are_not_within_ten_seconds():
    """A part tried again every 5 s that holds the loop each time: the first and the
    third of its gaps end exactly 10 s apart, room for one slow paced breath (6/min)
    between them, so not within 10 s: no ``slow`` fault, however long it goes on."""
    from feedback.latches import SlowLatch

    latch = SlowLatch()
    assert [latch.late(t - 0.75, t) for t in (0.5, 5.5, 10.5, 15.5, 20.5)] == [[]] * 5


def test_a_unit_too_slow_to_read_the_belt_in_time_is_shown_and_recorded_and_goes_on(config):
    """Another process takes 0.6 s of every second from 60 to 120 s: every gap between
    two readings is over the analysis's 0.5 s, which takes each as unknown and so finds
    no breath and no hold at all. Before, the exercise clock counted on and only the
    journal said why, once in a while. Now it is a ``slow`` fault of the unit: on the
    notice line, in the records saying breaths and holds were not measured, over once
    the belt has been read in time for 10 s; the session neither pauses nor ends."""
    out, views, db = run_with(config, 180, {60.0: lambda s: _hog(s, 120.0)})
    assert not between(out, ev.Breath, 62, 120)  # (what the fault is about)
    (f,) = [e for e in out if isinstance(e, ev.Fault) and e.kind == "slow"]
    (end,) = [e for e in out if isinstance(e, ev.FaultEnd) and e.kind == "slow"]
    assert 61.0 < f.at < 64.0, f  # the third late gap, not the first
    assert "not measured" in f.detail, f.detail
    assert 129.0 <= end.at <= 131.0, end  # 10 s after the last late gap (about 119.6 s)
    noticed = [t for t, v in views if v.notice and "te traag" in v.notice]
    assert noticed and min(noticed) < f.at + 2.0 and max(noticed) >= 119.0, noticed
    assert not any(v.notice for t, v in views if t < 60 or t > end.at + 5.0)
    assert not between(out, ev.Pause, 0, 180), "the session goes on, not paused"
    assert [e.at for e in out if isinstance(e, ev.Exercise) and e.phase == "end"][-1] \
        == pytest.approx(180.0, abs=0.1)  # (to its duration: not ended by the fault)
    assert between(out, ev.Breath, end.at, 180), "measured again after it"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, at, end_at, detail FROM faults").fetchall()
    assert [r[:3] for r in rows] == [("slow", pytest.approx(f.at), pytest.approx(end.at))]
    assert "breaths and holds are not measured" in rows[0][3]


@pytest.mark.parametrize("stalls, fault", [
    ([0.6], False),         # one hiccup: the analysis loses at most the breath it falls in
    ([0.6, 0.6], False),    # two in 10 s
    ([3.0], True),          # one long enough that a hold under way is lost (HELD_GAP_S)
], ids=["one-short", "two-short", "one-long"])
def test_a_single_hiccup_of_the_loop_is_no_fault(config, stalls, fault):
    def stall(s):
        s.clock.advance(stalls.pop(0))

    out, views, _ = run_with(config, 90, {60.0 + 4.0 * i: stall for i in range(len(stalls))})
    faults = [e for e in out if isinstance(e, ev.Fault | ev.FaultEnd) and e.kind == "slow"]
    assert [type(e) for e in faults] == ([ev.Fault, ev.FaultEnd] if fault else []), faults
    assert any(v.notice and "te traag" in v.notice for t, v in views) == fault
