"""The stretch sensor's circuit: conductive-rubber cord in a voltage divider.

Assumed build (docs/hardware.md)::

    3V3 ---[ R_fixed 2.2 kOhm 1% ]---+--- ADS1115 A0   (100 nF to GND at the input)
                                     |
                               [ rubber cord ]   ~15 cm, ~140 Ohm/cm at rest
                                     |
    GND -----------------------------+

The cord's resistance rises as it stretches (gauge factor ~2 for the cord in use).
Worn with 15 % pre-tension a 15 cm cord is ~2.7 kOhm and the divider sits near 1.8 V; a
normal breath (1.5 cm more belt circumference on that cord) swings it by ~0.12 V
(~900 codes at gain 1). With the plug out the cord is an open circuit and R_fixed pulls
the input to the 3.3 V rail; a shorted cord pulls it to 0 V. The ADS1115 at gain 1
(+-4.096 V) covers both rails.
"""

from __future__ import annotations

from dataclasses import dataclass

# The smallest swing the analysis takes for a breath (volts at the ADC input): a twelfth
# of a normal breath (~0.12 V), some 80 codes at gain 1 and far above the ADC's noise. A
# belt lying still or unplugged shows only that noise, which must not become breaths.
MIN_BREATH_V = 0.01
# Levels a worn belt never reaches: above, the cord is open (unplugged: R_fixed pulls the
# input to the 3.3 V rail); below, it is shorted. The cord slack or stretched to the
# limit stays within about 1.6-2.4 V.
RAIL_LOW_V, RAIL_HIGH_V = 0.1, 3.2


@dataclass(frozen=True)
class Divider:
    vcc: float = 3.3
    r_fixed: float = 2200.0
    cord_ohm_per_cm: float = 140.0
    cord_cm: float = 15.0
    pretension: float = 0.15
    gauge: float = 2.0

    @property
    def slack_cm(self) -> float:
        """The stretch (beyond the worn pre-tension) of a belt taken off: the cord slack,
        without its pre-tension (some 0.2 V below the worn rest level)."""
        return -self.pretension * self.cord_cm

    def resistance(self, stretch_cm: float) -> float:
        """Cord resistance with ``stretch_cm`` extra length beyond the worn pre-tension."""
        strain = max(-0.5, self.pretension + stretch_cm / self.cord_cm)
        return self.cord_ohm_per_cm * self.cord_cm * (1.0 + self.gauge * strain)

    def volts(self, stretch_cm: float, connected: bool = True) -> float:
        """Voltage at the ADC input; an unplugged cord reads the supply rail."""
        if not connected:
            return self.vcc
        r = self.resistance(stretch_cm)
        return self.vcc * r / (r + self.r_fixed)
