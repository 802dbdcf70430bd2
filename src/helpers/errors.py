"""Errors shared by every module (lowest level: imports nothing from the package)."""


class UserError(Exception):
    """An input or argument problem the user must fix; the message is Korean and names the culprit.

    The command line turns it into exit code 2.
    """
