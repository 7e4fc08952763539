"""Online, causal breath analysis: turns, breaths, rate, depth, holds and sensor faults.

``BreathAnalyzer`` is fed one sample at a time and returns events (feedback/events.py).
See docs/analysis.md for how it works and its limits.
"""

from feedback.analysis.analyzer import AnalysisState, BreathAnalyzer

__all__ = ["AnalysisState", "BreathAnalyzer"]
