"""SMS and WhatsApp through an HTTP gateway: the core's transport for those channels.

In the core, beside e-mail, because every plugin notifies residents and
most of them have a phone number rather than an e-mail address
(licensing, complaints, PDAM bills…): a deployment configures its
gateway once in ``[pamong]`` and no plugin has to be enabled for it. A
plugin can still answer ``pamong_message_transport`` for a channel (a
national provider's SDK), and its answer wins.

Each delivery is one POST of a JSON body made from ``gateway_body`` (a
template with ``{to}``, ``{text}``, ``{reference}`` and ``{channel}``); the
delivery's idempotency key is the reference, so a gateway that drops
duplicates keeps one message when the outbox sends again after a crash.
Any answer but 2xx, a timeout or a refused connection raises: the outbox
records the failure and retries with back-off, so nothing is lost while
the gateway is down. ``gateway_rate_per_minute`` caps each channel (the
outbox defers what is over the cap, without counting an attempt), and
the gateway reports delivery through the signed callback
(:func:`verify_signature`, ``POST /api/v1/deliveries/receipts``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

#: The default JSON body: most Indonesian SMS gateways take these three fields.
DEFAULT_BODY = '{"to": "{to}", "text": "{text}", "reference": "{reference}"}'
#: The channels the gateway serves.
CHANNELS = ("sms", "whatsapp")
#: The header carrying ``sha256=<hex HMAC of the raw body>`` on delivery receipts.
SIGNATURE_HEADER = "X-Pamong-Signature"


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


def sign(secret: str, body: bytes) -> str:
    """The signature header value of a receipt ``body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` (constant time; no secret: never)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())


@dataclass
class HttpGateway:
    """One channel's gateway: its URL, bearer token, body template, timeout and rate cap."""

    channel: str
    url: str
    token: str = ""
    body: str = DEFAULT_BODY
    timeout: float = 10.0
    #: At most this many deliveries of the channel a minute (0: no cap).
    rate_per_minute: int = 0

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


def gateway_for(channel: str, settings: Any) -> HttpGateway | None:
    """The configured gateway of ``channel`` (``sms`` or ``whatsapp``) in ``settings``, or None."""
    if channel not in CHANNELS:
        return None
    url = getattr(settings, f"{channel}_gateway_url", "")
    if not url:
        return None
    return HttpGateway(
        channel=channel,
        url=url,
        token=getattr(settings, f"{channel}_gateway_token", ""),
        body=settings.gateway_body or DEFAULT_BODY,
        timeout=settings.gateway_timeout_seconds,
        rate_per_minute=settings.gateway_rate_per_minute,
    )
