"""Demo data."""


def seed(session, ctx) -> None:
    return None
