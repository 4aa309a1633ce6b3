"""The hook licensing declares: the adapter to the national OSS-RBA system.

Business licensing runs through OSS-RBA (PP 5/2021): a business permit the
regency issues also has a reference there. Nothing is sent anywhere by
default; a deployment plugin holding the OSS credentials implements this
with ``@hookimpl(optionalhook=True)``. Staff can also record a reference
by hand on the file page or through the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pamong.plugin import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pamong_plugins.licensing.models import Application, Permit


@hookspec(since="0.1", when="transaction", firstresult=True)
def pamong_licensing_oss_register(
    application: Application, permit: Permit, session: Session
) -> str | None:
    """Report a business permit just issued to OSS-RBA and return its reference there.

    Called for permits held by a business (applicant kind ``business``).

    Args:
        application: The file; its applicant's ``id_number`` is the NIB.
        permit: The permit just numbered (``number``, ``issued_on``, ``valid_until``).
        session: The issuing transaction's session.

    Returns:
        The OSS-RBA reference (at most 60 characters), or None when not sent.
    """
