"""New settings and programmes from a reload, and when they take effect: the coach's own.

``Reloading`` is a part of ``Coach`` (``coach.py``), which inherits it: a reload's result
(``on_reload``: a rejected config's notice, keys that need a restart), new settings kept
until the next breath or exercise boundary (``apply_settings``, ``_apply_pending``; the
running pacer follows them only if its own settings changed) and a new programme until
the next exercise (``_goes_on_in``, ``_take_pending_programme``, ``last_exercise``). It
reads and sets the coach's state that ``Coach.__init__`` makes (``_pending``,
``_pending_programme``, the settings, the programme and the exercise's place in it).
"""

from __future__ import annotations

from feedback import i18n
from feedback.coach_notices import rejected_notice
from feedback.coach_pacing import follow_settings
from feedback.programme import Programme


class Reloading:
    """The settings and programme a reload brings to ``Coach`` (see the module docstring)."""

    def apply_settings(self, settings, programme: Programme | None = None) -> None:
        """Use new settings from the next breath, a new programme from the next exercise."""
        self._pending = settings
        if programme is not None:
            self._pending_programme = programme
        if self.mode in ("idle", "summary"):
            self._apply_pending(None)
            if self._pending_programme is not None:
                self.programme, self._pending_programme = self._pending_programme, None
                self.index = 0

    def _apply_pending(self, t: float | None) -> None:
        """New settings at a breath (or exercise) boundary; the running exercise's pacer
        follows them only if its own settings changed (``coach_pacing.follow_settings``)."""
        if self._pending is None:
            return
        old, self.settings, self._pending = self.settings, self._pending, None
        self.rules.set_config(self.settings.cues)
        if self.pacer is None or self.mode != "exercise":
            return
        ex = self.programme.exercises[self.index]
        follow_settings(self.pacer, ex, old, self.settings, t, self.elapsed(t))

    def on_reload(self, result, t: float) -> None:
        """Take a ``reload.Reloaded`` or ``reload.Rejected`` from the ConfigWatcher."""
        error = getattr(result, "error", None)
        if error is not None:  # shown until a good file comes (the old settings run on)
            self.show_notice(rejected_notice(error, self.lang), t, "config", lasting=True)
            return
        self.apply_settings(result.settings, result.programme)
        if result.needs_restart:
            keys = ", ".join(result.needs_restart)
            self.show_notice(i18n.text("config.restart", result.settings.patient.language,
                                       keys=keys), t, "config")
        else:
            self.show_notice(None, t, "config")

    def _goes_on_in(self) -> tuple[Programme, int]:
        """The programme the running exercise's end goes on in, and that exercise's place
        in it: a programme file changed meanwhile decides by its own length whether one
        follows (the old one's ran the last exercise again, or ended before one added)."""
        programme = self._pending_programme or self.programme
        return programme, min(self.index, len(programme.exercises) - 1)

    def _take_pending_programme(self) -> None:
        """A programme file changed meanwhile is taken up (``_goes_on_in``)."""
        self.programme, self.index = self._goes_on_in()
        self._pending_programme = None

    def last_exercise(self) -> bool:
        """Whether the running exercise's end is the session's (what "next" asks)."""
        programme, index = self._goes_on_in()
        return index + 1 >= len(programme.exercises)
