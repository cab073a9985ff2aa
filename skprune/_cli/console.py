"""What the command tells the user besides its results: a one-line error
(:class:`CommandError`) and a status line on stderr (:class:`Progress`)."""

import sys


class CommandError(Exception):
    """A problem with the user's arguments or data: one line, no traceback."""


class Progress:
    """One status line on stderr: rewritten in place on a terminal, a line per
    stage otherwise; silent with ``quiet``."""

    def __init__(self, quiet=False, stream=None):
        self.quiet = quiet
        self.stream = sys.stderr if stream is None else stream
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def stage(self, text):
        if not self.quiet:
            end = "\n" if not self.tty else "\r\n"
            self.stream.write(f"[skprune] {text}{end}")
            self.stream.flush()

    def step(self, done, total, text):
        if not self.quiet and self.tty:
            self.stream.write(f"\r[skprune]   {done}/{total} {text:<50}")
            if done == total:
                self.stream.write("\n")
            self.stream.flush()
