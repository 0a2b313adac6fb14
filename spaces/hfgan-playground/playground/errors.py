"""The one error the Space shows to users."""


class SpaceError(Exception):
    """Bad input or a model that cannot be used: a one-line message shown in the UI."""


def one_line(err: BaseException, limit: int = 300) -> str:
    """The first line of ``err``'s message (its type name when empty), at most ``limit`` characters."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
