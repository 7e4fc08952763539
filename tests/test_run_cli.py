"""``ademcoach run`` plumbing: the clock it is given and the extra outputs it writes to."""

import math

import pytest

from feedback.cli import main
from feedback.clock import ScaledClock, VirtualClock
from feedback.errors import BadInput
from feedback.run import make_clock


@pytest.mark.parametrize("speed", [math.nan, math.inf, -math.inf, -1.0, 1e-300, 0.001, 5000.0])
def test_a_speed_the_simulation_cannot_keep_is_refused(speed):
    with pytest.raises(BadInput) as e:
        make_clock("calm", speed, True)
    assert str(e.value) == (f"--speed {speed:g}: must be 0 (as fast as possible) or from "
                            "0.01 to 1000 (1 = real time)")


@pytest.mark.parametrize("speed, kind", [(0.0, VirtualClock), (0.01, ScaledClock),
                                         (1.0, ScaledClock), (1000.0, ScaledClock)])
def test_the_speeds_in_range_give_their_clock(speed, kind):
    assert isinstance(make_clock("calm", speed, True), kind)


def test_a_bad_speed_on_the_command_line_is_one_line_and_exit_2(sim_config, capsys):
    assert main(["run", "--sim", "calm", "--headless", "--speed", "5000",
                 "--config", str(sim_config)]) == 2
    err = capsys.readouterr().err
    assert err == ("ademcoach run: --speed 5000: must be 0 (as fast as possible) or from "
                   "0.01 to 1000 (1 = real time)\n")
