"""One root for every error Ademcoach reports to a person.

Each error knows its exit code: 2 for bad input (usage, config, recording), 1 for a
runtime or hardware failure. Its ``str()`` is the one line that is printed.
"""


class AdemError(Exception):
    """Root of Ademcoach's own errors."""

    exit_code = 1


class BadInput(AdemError, ValueError):
    """Input a person gave us is wrong: usage, config file, recording. Exit code 2."""

    exit_code = 2


class RecordingError(BadInput):
    """A recording CSV is malformed. Names the file and line."""

    def __init__(self, path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class HardwareError(AdemError, RuntimeError):
    """A part of the unit is missing or does not answer. Exit code 1."""

    exit_code = 1
