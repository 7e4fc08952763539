"""Ademcoach feedback: breath analysis, coaching, screen and the real-time loop.

Pure logic lives here and is fed samples and time from outside; hardware lives in
the sibling package ``device``.
"""

__version__ = "0.1.0"
