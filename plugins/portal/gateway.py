"""SMS and WhatsApp through an HTTP gateway: the transport the outbox uses for those channels.

The core's outbox asks ``pamong_message_transport(channel)`` for every
channel but e-mail; the portal answers for ``sms`` and ``whatsapp`` when
``[plugins.portal] sms_gateway_url`` (or ``whatsapp_gateway_url``) is set.
Each delivery is one POST of a JSON body made from ``gateway_body`` (a
template with ``{to}``, ``{text}``, ``{reference}`` and ``{channel}``); the
delivery's idempotency key is the reference, so a gateway that drops
duplicates keeps one message when the outbox sends again after a crash.
Any answer but 2xx, a timeout or a refused connection raises: the outbox
records the failure and retries with back-off, so nothing is lost while
the gateway is down.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

#: The default JSON body: most Indonesian SMS gateways take these three fields.
DEFAULT_BODY = '{"to": "{to}", "text": "{text}", "reference": "{reference}"}'


class GatewayError(Exception):
    """The gateway refused or did not answer; the outbox retries the delivery."""


def _json_text(value: str) -> str:
    """``value`` escaped for the inside of a JSON string."""
    return json.dumps(value)[1:-1]


def normalise_phone(address: str) -> str:
    """``0812...`` -> ``62812...`` (the gateways' international form without ``+``)."""
    digits = "".join(c for c in address if c.isdigit())
    if digits.startswith("0"):
        return "62" + digits[1:]
    return digits


@dataclass
class HttpGateway:
    """One channel's gateway: its URL, bearer token, body template and timeout."""

    channel: str
    url: str
    token: str = ""
    body: str = DEFAULT_BODY
    timeout: float = 10.0

    def payload(self, delivery: Any) -> bytes:
        values = {
            "to": normalise_phone(delivery.address),
            "text": delivery.body,
            "reference": delivery.idempotency_key,
            "channel": self.channel,
        }
        text = self.body
        for key, value in values.items():
            text = text.replace("{" + key + "}", _json_text(str(value)))
        json.loads(text)  # a broken template fails loudly, never sends garbage
        return text.encode("utf-8")

    def send(self, delivery: Any) -> None:
        request = urllib.request.Request(
            self.url,
            data=self.payload(delivery),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": delivery.idempotency_key,
            },
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                if not 200 <= answer.status < 300:
                    raise GatewayError(f"{self.channel} gateway answered {answer.status}")
        except urllib.error.HTTPError as error:
            error.close()
            raise GatewayError(f"{self.channel} gateway answered {error.code}") from error
        except (urllib.error.URLError, OSError) as error:
            raise GatewayError(f"{self.channel} gateway unreachable: {error}") from error


def gateway_for(channel: str, settings: dict[str, Any]) -> HttpGateway | None:
    """The configured gateway of ``channel`` (``sms`` or ``whatsapp``), or None."""
    if channel not in ("sms", "whatsapp"):
        return None
    url = settings.get(f"{channel}_gateway_url", "")
    if not url:
        return None
    return HttpGateway(
        channel=channel,
        url=url,
        token=settings.get(f"{channel}_gateway_token", ""),
        body=settings.get("gateway_body") or DEFAULT_BODY,
        timeout=settings.get("gateway_timeout_seconds", 10),
    )
