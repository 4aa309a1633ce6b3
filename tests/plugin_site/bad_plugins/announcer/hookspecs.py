"""The announcer's own hook."""

from pamong.plugin import hookspec


@hookspec(since="1.0", when="transaction")
def pamong_on_announced(word: str) -> None:
    """Something was announced.

    Args:
        word: What was announced.
    """
