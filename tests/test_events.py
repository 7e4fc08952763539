import json

import pytest

from feedback import events as ev

SAMPLES = [
    ev.Inhale(at=1.25, t=1.0),
    ev.Exhale(at=3.1, t=2.9),
    ev.Breath(at=6.0, start=1.0, peak=2.9, end=5.8, inhale_s=1.9, exhale_s=2.9, depth=1.1,
              rate_bpm=12.5),
    ev.Breath(at=6.0, start=1.0, peak=2.9, end=5.8, inhale_s=1.9, exhale_s=2.9, depth=1.1,
              rate_bpm=12.5, belly_share=0.7, paradoxical=False),
    ev.Hold(at=10.0, t=6.0),
    ev.HoldEnd(at=14.0, t=13.8),
    ev.HoldEnd(at=74.0, t=74.0, not_worn=True),
    ev.Fault(at=20.0, kind="disconnected", belt="belly"),
    ev.FaultEnd(at=25.0, kind="disconnected", belt="belly"),
    ev.Cue(at=30.0, kind="breathe_on"),
    ev.Exercise(at=0.0, name="Buikademhaling", phase="start"),
]


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.kind_name)
def test_round_trip_through_json(event):
    line = event.to_json()
    data = json.loads(line)
    assert data["event"] == event.kind_name
    assert data["at"] == event.at
    assert ev.from_json(line) == event


def test_every_kind_has_a_sample():
    assert {e.kind_name for e in SAMPLES} == set(ev.EVENT_TYPES)


def test_optional_fields_are_left_out():
    data = SAMPLES[2].to_dict()
    assert "belly_share" not in data and "paradoxical" not in data
    assert SAMPLES[3].to_dict()["belly_share"] == 0.7
    assert "not_worn" not in SAMPLES[5].to_dict() and SAMPLES[6].to_dict()["not_worn"] is True


def test_breath_ratio():
    assert SAMPLES[2].ratio == pytest.approx(2.9 / 1.9)


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"event": "sneeze", "at": 1}', "unknown event 'sneeze'"),
        ('{"event": "hold", "t": 1}', "has no 'at'"),
        ('{"event": "hold", "at": 1, "t": 0, "x": 2}', "has no field x"),
        ('{"event": "cue", "at": 1, "kind": "louder"}', "unknown cue kind 'louder'"),
        ('{"event": "fault", "at": 1, "kind": "gone"}', "unknown fault kind 'gone'"),
        ('{"event": "exercise", "at": 1, "name": "x", "phase": "middle"}', "phase must be"),
        ('{"event": "exercise", "at": 1, "name": "x", "phase": "end", "following": '
         '{"in_sync": 3, "too_fast": 1}}', "a count for each of in_sync, exhale_short"),
        ('{"event": "exercise", "at": 1, "name": "x", "phase": "end", "following": '
         '{"in_sync": 3, "exhale_short": 0.5, "too_fast": 1, "too_slow": 0}}',
         "whole numbers"),
        ('{"event": "exercise", "at": 1, "name": "x", "phase": "end", "short_exhale": 2}',
         "it needs following"),
        ('{"event": "exercise", "at": 1, "name": "x", "phase": "end", "following": '
         '{"in_sync": 3, "exhale_short": 0, "too_fast": 1, "too_slow": 0}, "short_exhale": 5}',
         "0 up to the breaths judged"),
        ('{"event": "exercise", "at": 1, "name": "x", "phase": "end", "following": '
         '{"in_sync": 3, "exhale_short": 0, "too_fast": 1, "too_slow": 0}, '
         '"short_exhale": 1.0}', "0 up to the breaths judged"),
        ("[1, 2]", "must be a JSON object"),
        ("{not json", "not JSON"),
    ],
)
def test_bad_events_are_rejected_with_a_reason(line, message):
    with pytest.raises(ValueError, match=message):
        ev.from_json(line)


def test_read_events_names_the_line(tmp_path):
    f = tmp_path / "e.jsonl"
    f.write_text(SAMPLES[0].to_json() + "\n\n" + '{"event": "nope", "at": 0}\n')
    with pytest.raises(ValueError, match=r"e.jsonl:3: unknown event"):
        ev.read_events(f)
    f.write_text("\n".join(e.to_json() for e in SAMPLES) + "\n")
    assert ev.read_events(f) == SAMPLES


NEW_SAMPLES = [
    ev.Exercise(at=0.0, name="Buikademhaling liggend", phase="start", pacer="fixed",
                target_ratio=2.2857, target_rate_bpm=5.2174),
    ev.Exercise(at=0.0, name="Kalibratie", phase="start", pacer="off"),
    ev.Exercise(at=300.0, name="Buikademhaling liggend", phase="end", active_s=270.0,
                in_sync=0.75),
    ev.Exercise(at=300.0, name="Buikademhaling liggend", phase="end", active_s=270.0,
                in_sync=0.6, following={"in_sync": 12, "exhale_short": 5, "too_fast": 2,
                                        "too_slow": 1}),
    ev.Exercise(at=300.0, name="Buikademhaling liggend", phase="end", active_s=270.0,
                in_sync=0.0, following={"in_sync": 0, "exhale_short": 0, "too_fast": 20,
                                        "too_slow": 0}, short_exhale=20),
    ev.Pause(at=12.0),
    ev.Resume(at=40.0),
]
SAMPLES.extend(NEW_SAMPLES[5:])  # every kind has a sample


@pytest.mark.parametrize("event", NEW_SAMPLES, ids=lambda e: f"{e.kind_name}-{e.at}")
def test_exercise_targets_and_pauses_round_trip(event):
    assert ev.from_json(event.to_json()) == event


def test_an_exercise_start_from_an_older_producer_has_no_target_fields():
    data = json.loads(ev.Exercise(at=0.0, name="x").to_json())
    assert data == {"event": "exercise", "at": 0.0, "name": "x", "phase": "start"}
    assert json.loads(ev.Pause(at=1.5).to_json()) == {"event": "pause", "at": 1.5}


def test_an_exercise_end_gives_the_count_of_each_verdict_in_the_pacers_order():
    data = json.loads(NEW_SAMPLES[3].to_json())
    assert list(data["following"].items()) == [("in_sync", 12), ("exhale_short", 5),
                                               ("too_fast", 2), ("too_slow", 1)]
    assert "following" not in json.loads(NEW_SAMPLES[2].to_json())  # (an older producer)
    assert "short_exhale" not in json.loads(NEW_SAMPLES[3].to_json())  # (schema 8's)
    assert json.loads(NEW_SAMPLES[4].to_json())["short_exhale"] == 20


def test_an_unknown_pacer_mode_is_rejected():
    with pytest.raises(ValueError, match="unknown pacer mode 'fast'"):
        ev.from_json('{"event": "exercise", "at": 1, "name": "x", "pacer": "fast"}')
