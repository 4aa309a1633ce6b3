"""Channels that carry deliveries out: email built in, others from plugins."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any, Protocol

from pamong.config import Settings
from pamong.messaging.gateway import gateway_for
from pamong.messaging.models import Delivery


class DeliveryError(Exception):
    """A delivery failed; it will be retried."""


class Transport(Protocol):
    """Sends one delivery or raises (any exception counts as a failed attempt).

    ``delivery.idempotency_key`` is the same on every attempt of a delivery:
    a worker killed after sending but before recording it sends it again
    with the same key. Pass it to the channel's own deduplication (an SMS
    gateway's client reference, an API's idempotency key) so the receiver
    keeps one copy.
    """

    def send(self, delivery: Delivery) -> None: ...


def message_id(key: str, sender: str) -> str:
    """The ``Message-ID`` of a delivery: its idempotency key at the sender's domain."""
    domain = sender.rpartition("@")[2].strip(" <>") or "localhost"
    return f"<{key}@{domain}>"


class EmailTransport:
    """Email over SMTP, configured by the ``smtp_*`` settings.

    The ``Message-ID`` header carries the delivery's idempotency key, so a
    mail sent again after a worker crash is the same message to receivers
    that drop duplicates by ``Message-ID``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, delivery: Delivery) -> None:
        s = self.settings
        if not s.smtp_host:
            raise DeliveryError("no smtp_host configured")
        mail = EmailMessage()
        mail["From"] = s.smtp_from
        mail["To"] = delivery.address
        mail["Subject"] = delivery.subject
        mail["Message-ID"] = message_id(delivery.idempotency_key, s.smtp_from)
        mail.set_content(delivery.body)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}") from exc


def transport_for(channel: str, settings: Settings, hooks: Any) -> Transport | None:
    """The transport of a channel: a plugin's answer first, then the built-in email and gateway.

    Built from ``settings`` on every call, so two apps in one process (tests,
    a worker beside a server) each send through their own configuration.
    """
    found = hooks.pamong_message_transport(channel=channel)
    if found is not None:
        return found
    if channel == "email":
        return EmailTransport(settings)
    return gateway_for(channel, settings)
