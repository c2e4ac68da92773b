"""The one error type the command line turns into a one-line message."""

from __future__ import annotations

import re


class GoingLocalError(Exception):
    """Input the tools cannot use: a missing file, bad Turtle, a bad parameter, an endpoint
    that does not answer. The message is one line, fit to show as it is."""

    def __init__(self, message: str):
        # Printed as it is on stderr, so fold any line breaks a library put in it.
        super().__init__(re.sub(r"\s*[\r\n]+\s*", " ", str(message)).strip())

    @property
    def message(self) -> str:
        return self.args[0]
