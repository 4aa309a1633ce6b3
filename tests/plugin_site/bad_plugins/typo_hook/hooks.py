from pamong.plugin import Permission, hookimpl


@hookimpl
def pamong_register_permisions():
    return [Permission("typo_hook.read", "Read")]


def pamong_on_resident_registered(resident, session):
    """Never called: the @hookimpl marker is missing."""
