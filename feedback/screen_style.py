"""The patient's screen's colours and proportions (feedback/screen.py and the views it
draws in feedback/screen_far.py and feedback/screen_summary.py)."""

BG = (10, 12, 18)
PANEL = (28, 32, 42)
FG = (245, 245, 245)
DIM = (175, 180, 190)
SKY = (86, 180, 233)        # Okabe-Ito sky blue: inhale on a dark background
ORANGE = (230, 159, 0)      # Okabe-Ito orange: exhale
PAUSE = (200, 190, 160)
WARN = (213, 50, 80)
YELLOW = (240, 228, 66)
GREEN = (0, 158, 115)      # Okabe-Ito bluish green: the day's home target met
PHASE = {"inhale": SKY, "hold_in": PAUSE, "exhale": ORANGE, "hold_out": PAUSE}
CUE_BG = {"breathe_on": WARN, "check_belt": ORANGE, "good": (0, 110, 160)}
# The cue's text on its banner: light, but dark on the light orange (white on it is 2.1:1,
# below the 3:1 large text needs; the dark ground's colour on it is 8.7:1).
CUE_FG = {"check_belt": BG}


NOTICE_BOX = (0.04, 0.85, 0.96, 0.975)  # the notice line's band, fractions of the screen
# The least height of a line of the exercise's name and hint, as a part of the screen's
# short side (see Screen.readable_px).
READABLE = 1 / 20
# The far view ([screen] view = "far"): its main texts (the pacer's word, a cue, the hold
# warning, the time left) are drawn up to this part of the screen's short side (144 px at
# 800x480); their boxes hold a capital of 11.6 mm at 800x480 on the 7" panel: 16 minutes
# of arc at 2.5 m, ISO 9241-3's least character height (see docs/coaching.md, Screens).
FAR_MAX = 0.30
# The far view's belly gauge (two belts, an exercise with the belly cue): as thick as this
# part of the short side (67 px at 800x480: a capital of 16 minutes of arc at 2.5 m on the
# 7" panel is 65 px), its details (the target mark, the stripes of a paradoxical breath)
# a fifth of that, a capital's stroke; this part of its length lies behind its zero, for
# a paradoxical breath (the belly drawn in as the chest rises).
BELLY_THICK = 0.14
BELLY_BACK = 0.25
# The gauge's fill at or past its target, and short of it. Near the mark where the fill
# ends cannot say which (a share 2 points short ends under the mark), so the two differ in
# lightness, not only in hue: 3.0-3.5:1 with normal vision, protanopia, deuteranopia and
# tritanopia (GREEN against a grey was 1.3:1 with deuteranopia, both a mid grey), each at
# least 3:1 against the empty track (PANEL). MET is a lighter tint of GREEN's hue.
MET = (20, 230, 170)
UNDER = (102, 108, 120)
