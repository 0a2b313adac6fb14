"""The one error the Space shows to users, and the one line the server logs for it."""

import sys


class SpaceError(Exception):
    """Bad input or a model that cannot be used: a one-line message shown in the UI."""


def one_line(err: BaseException, limit: int = 300) -> str:
    """The first line of ``err``'s message (its type name when empty), at most ``limit`` characters."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def log_error(endpoint: str, message: str) -> None:
    """One line in the server log for an error shown to a user: a request refused, with no traceback (the request
    was wrong, not the app); after an internal error's traceback, which endpoint answered what."""
    line = " ".join(str(message).split())[:300]
    print(f"hfgan playground: {endpoint}: {line}", file=sys.stderr, flush=True)
