"""The one error type that seqgen raises for bad input or bad settings.

Its message is a single line naming the file (or key), the record and the
problem; the command line prints it without a traceback and exits non-zero.
"""


class SeqgenError(Exception):
    """Bad input, bad settings or a failed check, explained in one line."""

    def __init__(self, message: str, path=None):
        self.path = None if path is None else "standard input" if str(path) == "-" else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)
