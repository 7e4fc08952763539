"""The real neopixel_spi driver against the emulated SPI bus, decoded back to colours."""

import errno

import numpy as np
import pytest

from device.ring import Ring, RingIOError
from device.spi_emu import SPIEmu, decode_ws2812
from feedback.errors import BadInput


def frame(n, seed=1):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 3), dtype=np.uint8)


@pytest.mark.parametrize("order", ["GRB", "RGB", "BRG", "BGR"])
@pytest.mark.parametrize("n", [12, 16, 60])
def test_decoded_colours_are_the_frame_in_rgb(order, n):
    spi = SPIEmu(order=order)
    ring = Ring(n, order=order, spi=spi)
    f = frame(n, seed=n)
    ring.show(f)
    got = spi.last
    assert got.shape == (n, 3)
    np.testing.assert_array_equal(got, f)  # sent as it is: the level is in the frame


def test_wrong_order_on_the_wire_shows_swapped_colours():
    spi = SPIEmu(order="GRB")  # the strip is GRB but the config says RGB
    ring = Ring(12, order="RGB", spi=spi)
    red = np.zeros((12, 3), np.uint8)
    red[:, 0] = 200
    ring.show(red)
    assert spi.last[0, 1] > 0 and spi.last[0, 0] == 0  # it lights up green


def test_write_failure_is_a_ring_error_and_the_next_frame_works():
    spi = SPIEmu()
    ring = Ring(16, spi=spi)
    spi.fail_next(1, errno.EIO)
    with pytest.raises(RingIOError):
        ring.show(frame(16))
    ring.show(frame(16, 2))
    assert spi.last.any()
    ring.close()
    assert not spi.last.any()


def test_bad_frames_and_settings_are_refused():
    ring = Ring(16, spi=SPIEmu())
    with pytest.raises(ValueError, match="shape"):
        ring.show(np.zeros((12, 3), np.uint8))
    with pytest.raises(BadInput, match="between 12 and 60"):
        Ring(8, spi=SPIEmu())


def test_decoder_uses_high_time_not_byte_values():
    # 0b11100000 is 0.47 us high at 6.4 MHz: a WS2812 reads it as 0
    data = bytes(8) + bytes([0b11111000] * 8 + [0b11100000] * 16) + bytes(8)
    assert decode_ws2812(data, 6_400_000, "RGB").tolist() == [[255, 0, 0]]
