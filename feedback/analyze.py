"""``ademcoach analyze RECORDING.csv``: replay a recording through the analysis.

The file is streamed row by row (constant memory) through the same ``BreathAnalyzer``
the unit runs, and every event is printed as one JSON line (docs/formats.md). Bad input
(missing or malformed file, unknown channel, bad config) is one line on stderr, exit 2.
"""

from __future__ import annotations

import sys

from feedback.analysis import BreathAnalyzer
from feedback.analysis.analyzer import GAP_S
from feedback.errors import AdemError, BadInput

# A step in ``t`` longer than the analysis's GAP_S is a gap in the recording (a sensor
# fault, samples dropped), said as a warning; the analysis takes it as unknown.
# With --unit: an ADS1115 input stays within its supply (3.3 V) +-0.3 V (datasheet,
# absolute maximum), so no channel of the unit, one input or the difference of two
# ("A0-A1"), reads beyond +-3.6 V; the unit's raw signal is volts at those channels.
INPUT_V = (-3.6, 3.6)
# Gaps said one by one, then counted: a file of rows seconds apart (t written in
# milliseconds, a very slow logger) put one warning per row on stderr, tens of thousands.
GAPS_SAID = 10


def cmd_analyze(args) -> int:
    from feedback.cli import config_path, drop_stdout
    from feedback.config import load_config
    from feedback.recording import RecordingReader

    settings = load_config(config_path(args.config))  # the same file the unit would use
    hold_after_s = settings.analysis.hold_after_s
    polarity = settings.analysis.polarity
    channels = args.channel or None
    if channels and len(channels) > 2:
        raise BadInput(f"--channel given {len(channels)} times; the analysis takes one or two")
    if channels and len(set(channels)) < len(channels):
        raise BadInput(f"--channel {channels[0]} given twice; name two different columns")
    with RecordingReader(args.recording, channels) as reader:
        belts = reader.columns
        if len(belts) > 2:
            raise BadInput(f"{args.recording}: {len(belts)} signal columns "
                           f"({', '.join(belts)}); pick one or two with --channel")
        if not isinstance(polarity, str):
            polarity = _polarity_by_name(polarity, settings, belts, args.recording)
        circuit = {}
        if args.unit:  # as the unit judges its own belts (feedback/run.py)
            from device.circuit import MIN_BREATH_V, RAIL_HIGH_V, RAIL_LOW_V

            circuit = {"min_breath": MIN_BREATH_V, "rails": (RAIL_LOW_V, RAIL_HIGH_V)}
        analyzer = BreathAnalyzer(belts, hold_after_s=hold_after_s, polarity=polarity,
                                  **circuit)
        feed = analyzer.feed
        write = sys.stdout.write
        prev_t = None
        gaps = rows = 0
        try:
            for sample in reader:
                rows += 1
                if prev_t is not None and sample.t - prev_t > GAP_S:
                    gaps += 1
                    if gaps <= GAPS_SAID:
                        print(f"{args.recording}:{sample.line}: warning: no samples for "
                              f"{sample.t - prev_t:g} s (t {prev_t:.2f} to {sample.t:.2f}); "
                              "the analysis takes it as unknown: no breath or hold across it",
                              file=sys.stderr)
                prev_t = sample.t
                if circuit and not all(INPUT_V[0] <= v <= INPUT_V[1] for v in sample.values):
                    raise BadInput(f"{args.recording}:{sample.line}: a value outside "
                                   f"{INPUT_V[0]:g} to {INPUT_V[1]:g} V, which no input of "
                                   "this unit's ADC reaches: not its raw signal (leave out "
                                   "--unit)")
                for event in feed(sample.t, sample.values):
                    write(event.to_json() + "\n")
            sys.stdout.flush()
            if gaps > GAPS_SAID:
                most = (f": t must be in seconds, and most of its {rows} rows are more than "
                        f"{GAP_S:g} s apart" if gaps * 2 >= rows else "")
                print(f"{args.recording}: warning: {gaps - GAPS_SAID} more gaps not listed "
                      f"({gaps} in all){most}", file=sys.stderr)
        except BrokenPipeError:
            drop_stdout()  # the reader has enough (analyze ... | head): not a failure
            raise
        except OSError as exc:
            drop_stdout()
            raise AdemError(f"cannot write the events to standard output: "
                            f"{exc.strerror}") from None
    return 0


def _polarity_by_name(polarity: list[str], settings, columns: list[str], recording) -> list:
    """A per-belt ``analysis.polarity`` for the recording's columns, matched by belt name
    (a file's columns need not be in the config's order)."""
    belts = list(settings.sensor.belts)
    for name in columns:
        if name not in belts:
            raise BadInput(
                f"{recording}: column {name!r} is not a belt of {settings.source} "
                f"({', '.join(belts)}), whose analysis.polarity is given per belt; name the "
                "columns after the belts, pick them with --channel, or give one polarity "
                "for all")
    return [polarity[belts.index(name)] for name in columns]
