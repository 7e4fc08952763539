"""Ademcoach hardware: ADS1115 sensor, WS2812 ring, buttons and buzzer, and emulated chips.

Nothing here imports Blinka (``board``/``busio``) at import time: the Raspberry Pi code
path opens the real buses on its ``connect`` step only.
"""
