"""Addresses and answers shared by the password-reset pages and API."""

from __future__ import annotations

from flask import current_app, url_for

from pamong.i18n import gettext as _


def reset_link(token: str) -> str:
    """The absolute address of the reset page for ``token``.

    Built from the ``public_url`` setting when it is set, so that a forged
    ``Host`` header cannot point the e-mailed link at another site.
    """
    public_url = current_app.extensions["pamong"].settings.public_url
    if public_url:
        return public_url.rstrip("/") + url_for("accounts.reset_password", token=token)
    return url_for("accounts.reset_password", token=token, _external=True)


def reset_requested_message() -> str:
    """What everyone who asks for a link is told, account or not."""
    return _(
        "If an active account with an e-mail address matches, a link to choose a new "
        "password is on its way. Check your mailbox."
    )
