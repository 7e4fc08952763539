"""Pieces of programme files shared by the tests that write their own programmes."""

# The calibration every test programme starts with.
CALIBRATION = """
[[exercise]]
id = "calibration"
name_nl = "Kalibratie"
name_en = "Calibration"
kind = "calibration"
duration_s = 60
pacer = "off"
hold_warnings = false
"""
