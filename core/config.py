"""Instance configuration: ``pamong.toml`` plus ``PAMONG_*`` environment overrides.

The instance folder (``PAMONG_INSTANCE``, default ``./instance``) holds
``pamong.toml``, the SQLite database of an embedded install and uploaded
files. Every key of the ``[pamong]`` table can be overridden by an
environment variable named ``PAMONG_<KEY>`` (``PAMONG_DATABASE_URL``,
``PAMONG_PLUGINS=ktp,licensing``…). Plugin settings live in
``[plugins.<id>]`` and are validated by the schema the plugin declares.

An unknown key (a typo) or an invalid value is never ignored: startup fails
with one message naming each problem.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import secrets
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from limits.storage import SCHEMES as RATE_LIMIT_SCHEMES
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from pamong import regions

CONFIG_FILE = "pamong.toml"
ENV_PREFIX = "PAMONG_"
#: A CSS hex colour, ``#rgb`` or ``#rrggbb`` (the branding settings; use with fullmatch).
HEX_COLOR = r"#(?:[0-9a-fA-F]{3}){1,2}"
#: The logo: a path on this site (``/site/static/logo.png``) or an http(s) URL.
LOGO_URL = r"(?:/(?!/)|https?://)[^\s\"'<>]+"


class ConfigError(Exception):
    """The instance configuration is missing or invalid; ``problems`` names each reason."""

    #: On a problem in ``[pamong]``: the enabled plugins and their sections as
    #: written, so that startup can name the plugins' problems in the same message.
    plugins: tuple[str, ...] = ()
    plugin_settings: dict[str, dict[str, Any]] | None = None

    def __init__(self, problems: str | Iterable[str], path: Path | None = None) -> None:
        self.path = path
        if isinstance(problems, str):
            self.problems = [problems]
            super().__init__(problems)
            return
        self.problems = list(problems)
        where = f" in {path}" if path else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"Pamong cannot start: {len(self.problems)} configuration problem(s){where}:\n{lines}"
        )


#: The tables ``pamong.toml`` may hold.
TABLES = ("pamong", "plugins")


def unknown_key_problem(table: str, key: str, known: Iterable[str]) -> str:
    """``[table] key: unknown key`` with the closest known key as a hint."""
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"[{table}] {key}: unknown key{hint}"


class _CommaList(fields.List):
    """A list that also accepts ``"a,b"`` (as environment variables give it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


_OPTIONAL_COLOR = validate.Regexp(
    f"^(?:{HEX_COLOR})?$", error="expected a hex colour, e.g. #0b6e4f"
)


#: An SMS or WhatsApp gateway's URL: empty (the channel is not served) or http(s).
_GATEWAY_URL = validate.Regexp(r"^(https?://\S+)?$", error="expected an http(s) URL")
#: The gateway settings, copied as they are from ``[pamong]`` to :class:`Settings`.
GATEWAY_KEYS = (
    "sms_gateway_url",
    "sms_gateway_token",
    "whatsapp_gateway_url",
    "whatsapp_gateway_token",
    "gateway_body",
    "gateway_timeout_seconds",
    "gateway_rate_per_minute",
    "gateway_callback_secret",
)


class CoreSettingsSchema(Schema):
    """The ``[pamong]`` table of ``pamong.toml``."""

    class Meta:
        unknown = EXCLUDE

    secret_key = fields.String(load_default=None)
    database_url = fields.String(load_default=None)
    region = fields.String(load_default=None)
    time_zone = fields.String(load_default=None)
    default_locale = fields.String(load_default="id", validate=validate.OneOf(["id", "en"]))
    plugins = _CommaList(fields.String(), load_default=list)
    login_free_attempts = fields.Integer(load_default=5, validate=validate.Range(min=1, max=1000))
    login_backoff_seconds = fields.Integer(load_default=2, validate=validate.Range(min=1))
    login_backoff_max_seconds = fields.Integer(load_default=900, validate=validate.Range(min=1))
    session_cookie_secure = fields.Boolean(load_default=False)
    session_lifetime_minutes = fields.Integer(
        load_default=480, validate=validate.Range(min=5, max=60 * 24 * 30)
    )
    trusted_proxies = _CommaList(fields.String(), load_default=list)
    extra_closures = _CommaList(fields.Date(), load_default=list)
    public_rate_limit = fields.String(load_default="60/minute")
    rate_limit_storage = fields.String(load_default="memory://")

    @validates("time_zone")
    def _known_zone(self, value: str | None, **_kwargs: Any) -> None:
        if value is None:
            return
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                f"unknown time zone {value!r} (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"
            ) from None

    @validates("public_rate_limit")
    def _rate_limit(self, value: str, **_kwargs: Any) -> None:
        try:
            if not parse_many(value):
                raise ValueError(value)
        except ValueError:
            raise ValidationError(
                f"{value!r} is not a rate limit (e.g. 60/minute or 60 per minute;1000 per day)"
            ) from None

    @validates("rate_limit_storage")
    def _rate_limit_storage(self, value: str, **_kwargs: Any) -> None:
        scheme = value.partition("://")[0]
        if "://" not in value or scheme not in RATE_LIMIT_SCHEMES:
            raise ValidationError(
                f"{value!r} is not a rate-limit store (memory://, redis://host:6379…)"
            )

    smtp_host = fields.String(load_default="")
    smtp_port = fields.Integer(load_default=25, validate=validate.Range(min=1, max=65535))
    smtp_from = fields.String(load_default="pamong@localhost")
    smtp_username = fields.String(load_default="")
    smtp_password = fields.String(load_default="")
    smtp_starttls = fields.Boolean(load_default=False)
    delivery_max_attempts = fields.Integer(load_default=8, validate=validate.Range(min=1))
    delivery_backoff_seconds = fields.Integer(load_default=60, validate=validate.Range(min=1))
    delivery_lease_seconds = fields.Integer(load_default=300, validate=validate.Range(min=1))
    sms_gateway_url = fields.String(load_default="", validate=_GATEWAY_URL)
    sms_gateway_token = fields.String(load_default="")
    whatsapp_gateway_url = fields.String(load_default="", validate=_GATEWAY_URL)
    whatsapp_gateway_token = fields.String(load_default="")
    gateway_body = fields.String(load_default="")
    gateway_timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(0.5, 120))
    gateway_rate_per_minute = fields.Integer(load_default=0, validate=validate.Range(0, 100_000))
    gateway_callback_secret = fields.String(load_default="")
    embedded_delivery = fields.Boolean(load_default=None, allow_none=True)
    contact_address = fields.String(load_default="")
    contact_phone = fields.String(load_default="")
    contact_email = fields.String(load_default="")
    public_url = fields.String(load_default="", validate=validate.Regexp(r"^(https?://[^/?#]+)?$"))
    survey_period = fields.String(
        load_default="half-year", validate=validate.OneOf(("half-year", "year"))
    )
    password_reset_minutes = fields.Integer(
        load_default=60, validate=validate.Range(min=5, max=24 * 60)
    )
    brand_color = fields.String(load_default="", validate=_OPTIONAL_COLOR)
    accent_color = fields.String(load_default="", validate=_OPTIONAL_COLOR)
    logo = fields.String(
        load_default="",
        validate=validate.Regexp(
            f"^(?:{LOGO_URL})?$", error="expected a path such as /site/static/logo.png, or a URL"
        ),
    )


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one instance."""

    instance_path: Path
    secret_key: str
    database_url: str
    region: str | None
    time_zone: str
    default_locale: str = "id"
    plugins: tuple[str, ...] = ()
    login_free_attempts: int = 5
    login_backoff_seconds: int = 2
    login_backoff_max_seconds: int = 900
    session_cookie_secure: bool = False
    session_lifetime_minutes: int = 480
    #: Reverse proxies whose ``X-Forwarded-*`` and ``X-Request-ID`` headers are believed.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    extra_closures: tuple[date, ...] = ()
    public_rate_limit: str = "60/minute"
    rate_limit_storage: str = "memory://"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "pamong@localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    delivery_max_attempts: int = 8
    delivery_backoff_seconds: int = 60
    delivery_lease_seconds: int = 300
    #: SMS and WhatsApp through an HTTP gateway (:mod:`pamong.messaging.gateway`).
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    whatsapp_gateway_url: str = ""
    whatsapp_gateway_token: str = ""
    gateway_body: str = ""
    gateway_timeout_seconds: float = 10.0
    gateway_rate_per_minute: int = 0
    gateway_callback_secret: str = ""
    embedded_delivery: bool = True
    contact_address: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    #: The site's origin (``https://pamong.sragenkab.go.id``) for links in e-mails.
    public_url: str = ""
    #: The satisfaction survey's period: ``half-year`` (2026-H1) or ``year`` (2026).
    survey_period: str = "half-year"
    password_reset_minutes: int = 60
    brand_color: str = ""
    accent_color: str = ""
    logo: str = ""
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)


def instance_path_from_env() -> Path:
    return Path(os.environ.get("PAMONG_INSTANCE") or "instance").resolve()


def read_toml(instance_path: Path) -> dict[str, Any]:
    path = instance_path / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, str]:
    """``PAMONG_X`` variables that name a core setting, keyed by the setting."""
    environ = os.environ if environ is None else environ
    known = set(CoreSettingsSchema().fields)
    overrides = {}
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX):
            key = name[len(ENV_PREFIX) :].lower()
            if key in known:
                overrides[key] = value
    return overrides


def _table_problems(data: dict[str, Any]) -> list[str]:
    problems = [
        f"[{name}]: unknown table (pamong.toml holds [pamong] and [plugins.<id>])"
        for name in data
        if name not in TABLES
    ]
    if not isinstance(data.get("pamong", {}), dict):
        problems.append("pamong: must be a table ([pamong])")
    plugins = data.get("plugins", {})
    if not isinstance(plugins, dict):
        return [*problems, "plugins: must be tables ([plugins.<id>])"]
    for name, section in plugins.items():
        if not isinstance(section, dict):
            problems.append(f"[plugins] {name}: must be a table ([plugins.{name}])")
    return problems


def _networks(
    entries: list[str], path: Path
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parse ``trusted_proxies``: addresses or networks (``10.0.0.0/8``)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(
                f"invalid [pamong] settings in {path / CONFIG_FILE}: trusted_proxies: "
                f"{entry!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def load_settings(
    instance_path: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Read ``pamong.toml``, apply environment then explicit overrides, validate.

    Raises :class:`ConfigError` naming every unknown key and invalid value.
    """
    path = Path(instance_path).resolve() if instance_path else instance_path_from_env()
    data = read_toml(path)
    problems = _table_problems(data)
    if not isinstance(data.get("pamong", {}), dict):
        raise ConfigError(problems, path / CONFIG_FILE)
    schema = CoreSettingsSchema()
    core = dict(data.get("pamong", {}))
    problems += [
        unknown_key_problem("pamong", key, schema.fields)
        for key in core
        if key not in schema.fields
    ]
    core.update(env_overrides(environ))
    plugins_table = data.get("plugins", {})
    plugin_settings = {
        k: dict(v)
        for k, v in (plugins_table if isinstance(plugins_table, dict) else {}).items()
        if isinstance(v, dict)
    }
    for key, value in (overrides or {}).items():
        if key == "plugin_settings":
            plugin_settings.update(value)
        elif key not in schema.fields:
            problems.append(unknown_key_problem("pamong", key, schema.fields))
        else:
            core[key] = value
    try:
        loaded = schema.load({k: v for k, v in core.items() if k in schema.fields})
    except ValidationError as exc:
        loaded = {}
        for key, messages in sorted(exc.normalized_messages().items()):
            text = messages if isinstance(messages, str) else " ".join(map(str, _flat(messages)))
            problems.append(f"[pamong] {key}: {text}")

    for entry in loaded.get("trusted_proxies", []):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            problems.append(f"[pamong] trusted_proxies: {entry!r} is not an IP address or network")
    region = loaded.get("region")
    if region:
        try:
            region = regions.normalise_code(region)
        except ValueError as exc:
            problems.append(f"[pamong] region: {exc}")
    if problems:
        error = ConfigError(problems, path / CONFIG_FILE)
        enabled = core.get("plugins", [])
        if isinstance(enabled, str):
            enabled = [part.strip() for part in enabled.split(",") if part.strip()]
        if isinstance(enabled, list) and all(isinstance(p, str) for p in enabled):
            error.plugins, error.plugin_settings = tuple(enabled), plugin_settings
        raise error
    time_zone = loaded["time_zone"] or (regions.time_zone(region) if region else "Asia/Jakarta")
    database_url = loaded["database_url"] or f"sqlite:///{path / 'pamong.sqlite3'}"
    return Settings(
        instance_path=path,
        secret_key=loaded["secret_key"] or "",
        database_url=database_url,
        region=region,
        time_zone=time_zone,
        default_locale=loaded["default_locale"],
        plugins=tuple(loaded["plugins"]),
        login_free_attempts=loaded["login_free_attempts"],
        login_backoff_seconds=loaded["login_backoff_seconds"],
        login_backoff_max_seconds=loaded["login_backoff_max_seconds"],
        session_cookie_secure=loaded["session_cookie_secure"],
        session_lifetime_minutes=loaded["session_lifetime_minutes"],
        trusted_proxies=_networks(loaded["trusted_proxies"], path),
        extra_closures=tuple(loaded["extra_closures"]),
        public_rate_limit=loaded["public_rate_limit"],
        rate_limit_storage=loaded["rate_limit_storage"],
        smtp_host=loaded["smtp_host"],
        smtp_port=loaded["smtp_port"],
        smtp_from=loaded["smtp_from"],
        smtp_username=loaded["smtp_username"],
        smtp_password=loaded["smtp_password"],
        smtp_starttls=loaded["smtp_starttls"],
        delivery_max_attempts=loaded["delivery_max_attempts"],
        delivery_backoff_seconds=loaded["delivery_backoff_seconds"],
        delivery_lease_seconds=loaded["delivery_lease_seconds"],
        **{key: loaded[key] for key in GATEWAY_KEYS},
        # Embedded (SQLite) installs deliver right after each commit; servers run workers.
        embedded_delivery=(
            loaded["embedded_delivery"]
            if loaded["embedded_delivery"] is not None
            else database_url.startswith("sqlite")
        ),
        contact_address=loaded["contact_address"],
        contact_phone=loaded["contact_phone"],
        contact_email=loaded["contact_email"],
        public_url=loaded["public_url"],
        survey_period=loaded["survey_period"],
        password_reset_minutes=loaded["password_reset_minutes"],
        brand_color=loaded["brand_color"].lower(),
        accent_color=loaded["accent_color"].lower(),
        logo=loaded["logo"],
        plugin_settings=plugin_settings,
    )


def _flat(messages: Any) -> list[str]:
    """marshmallow's nested error messages as a flat list of texts."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flat(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _flat(value)]
    return [str(messages)]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def write_config(
    instance_path: Path,
    *,
    region: str,
    plugins: list[str] | tuple[str, ...] = (),
    database_url: str | None = None,
    default_locale: str = "id",
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a new ``pamong.toml`` with a fresh secret key; keep an existing one.

    Returns the path. An existing file is left untouched so that running
    ``pamong init`` twice never rotates the secret key.
    """
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / CONFIG_FILE
    if path.exists():
        return path
    values: dict[str, Any] = {
        "secret_key": secrets.token_urlsafe(48),
        "region": region,
        "time_zone": regions.time_zone(region),
        "default_locale": default_locale,
        "plugins": list(plugins),
    }
    if database_url:
        values["database_url"] = database_url
    values.update(extra or {})
    lines = [
        "# Pamong instance configuration. Every [pamong] key can be overridden",
        "# by an environment variable PAMONG_<KEY>. Keep this file secret.",
        "[pamong]",
        *(f"{key} = {_toml_value(value)}" for key, value in values.items()),
        "",
    ]
    path.write_text("\n".join(lines), "utf-8")
    path.chmod(0o600)
    return path
