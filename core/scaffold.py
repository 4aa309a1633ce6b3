"""Generate a regency deployment or a plugin from the cookiecutter templates.

The templates live in the repository's ``templates/`` folder (and in the
wheel as ``pamong/scaffolds/``). Everything a regency deployment derives
from its Kemendagri code (official name, province, kabupaten or kota, time
zone, slug, expected org-unit counts) comes from :func:`regency_context`,
which both ``pamong new-regency`` and the template's own Jinja extension
and pre-generation hook call, so running plain ``cookiecutter
templates/regency`` gives the same result and the same error messages.
The branding inputs (a logo image, the primary and accent colours) are
checked here too and end up in the deployment's ``pamong.toml`` as the
core's ``logo``, ``brand_color`` and ``accent_color`` settings.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pamong
from pamong import regions

#: Built-in modules a regency template can enable (plugin ids in pamong_plugins).
REGENCY_MODULES = ("ktp", "licensing")
LANGUAGES = ("id", "en")
DATABASES = ("sqlite", "postgresql")
#: Plugin ids a third-party plugin must not take.
RESERVED_PLUGIN_IDS = frozenset(
    {"core", "site", "web", "api", "static", "ktp", "licensing", "kantaya", "sipaw", "billing"}
    | {"pdam", "rsud", "example"}
)
_PLUGIN_ID = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
#: Colours of a deployment that gives none: the header, and links and buttons.
DEFAULT_PRIMARY_COLOR = "#1f4e79"
DEFAULT_ACCENT_COLOR = "#0b6e4f"
#: Logo images a deployment may bring, by suffix, with how their content starts.
LOGO_FORMATS = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".svg": (b"<svg", b"<?xml"),
}
#: Pages must stay light on a slow link: the logo is on every one of them.
LOGO_MAX_BYTES = 512 * 1024


class ScaffoldError(ValueError):
    """A template input is invalid; the message says what to give instead."""


@dataclass(frozen=True)
class RegencyFacts:
    """What a deployment derives from its region code."""

    region_code: str
    region_name: str  # "Kabupaten Lebak", "Kota Dumai"
    short_name: str  # "Lebak", "Dumai"
    province: str
    kind: str  # "kabupaten" or "kota"
    time_zone_label: str  # WIB, WITA or WIT
    time_zone: str  # IANA name
    slug: str  # "lebak", "kota-dumai": the folder is pamong-<slug>
    package: str  # "site_lebak": the deployment's site plugin package
    default_domain: str  # "lebakkab.go.id", "dumaikota.go.id"
    kecamatan: int
    desa: int
    kelurahan: int

    @property
    def villages(self) -> int:
        return self.desa + self.kelurahan

    @property
    def initials(self) -> str:
        """``"W"`` for Wonogiri, ``"TJB"`` for Tanjung Jabung Barat: the default logo's letters."""
        return "".join(word[0] for word in self.short_name.split()[:3]).upper()

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["villages"] = self.villages
        data["initials"] = self.initials
        return data


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def regency_context(code: str) -> RegencyFacts:
    """Facts about the regency or city ``code``; :class:`ScaffoldError` if it is not one."""
    try:
        dotted = regions.normalise_code(str(code).strip())
    except ValueError:
        raise ScaffoldError(
            f"{code!r} is not a region code: give a regency or city code "
            "such as 36.02 (Kabupaten Lebak) or 14.72 (Kota Dumai)"
        ) from None
    region = regions.get_region(dotted)
    if region is None:
        raise ScaffoldError(
            f"{dotted} is not in the bundled Kemendagri region table: give a regency or "
            "city code such as 36.02 (Kabupaten Lebak); see `pamong/data/wilayah.csv`"
        )
    if region.level is not regions.RegionLevel.REGENCY:
        level = region.level.name.lower()
        if region.level is regions.RegionLevel.PROVINCE:
            hint = f"pick one of its regencies or cities, e.g. {regions.children(dotted)[0].code}"
        else:
            hint = f"use its regency or city code {dotted[:5]}"
        raise ScaffoldError(f"{dotted} is a {level} ({region.name}), not a regency or city: {hint}")
    kind = "kota" if region.is_city else "kabupaten"
    short = re.sub(r"^(Kabupaten|Kota)( Administrasi)? ", "", region.name)
    slug = _slugify(region.name if region.is_city else short)
    province = regions.get_region(dotted[:2])
    kecamatan = regions.children(dotted)
    villages = [v for k in kecamatan for v in regions.children(k.code)]
    kelurahan = sum(1 for v in villages if v.village_kind == "kelurahan")
    return RegencyFacts(
        region_code=dotted,
        region_name=region.name,
        short_name=short,
        province=province.name if province else "",
        kind=kind,
        time_zone_label=regions.time_zone_label(dotted),
        time_zone=regions.time_zone(dotted),
        slug=slug,
        package="site_" + slug.replace("-", "_"),
        default_domain=_slugify(short).replace("-", "")
        + ("kota" if region.is_city else "kab")
        + ".go.id",
        kecamatan=len(kecamatan),
        desa=len(villages) - kelurahan,
        kelurahan=kelurahan,
    )


def parse_modules(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """``"ktp, licensing"`` -> ``["ktp", "licensing"]``; ``""`` or ``"none"`` -> ``[]``."""
    items = value.split(",") if isinstance(value, str) else list(value)
    found: list[str] = []
    for item in (i.strip().lower() for i in items):
        if not item or item == "none":
            continue
        if item not in REGENCY_MODULES:
            raise ScaffoldError(
                f"unknown module {item!r}: choose from {', '.join(REGENCY_MODULES)} "
                "(comma-separated), or leave it empty"
            )
        if item not in found:
            found.append(item)
    return [m for m in REGENCY_MODULES if m in found]


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ScaffoldError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def check_color(name: str, value: str) -> str:
    """A ``#rgb`` or ``#rrggbb`` colour, returned as lowercase ``#rrggbb``."""
    from pamong.config import HEX_COLOR  # marshmallow and limits: not for `pamong --help`

    value = str(value).strip()
    if not re.fullmatch(HEX_COLOR, value):
        raise ScaffoldError(f"{name} must be a hex colour such as #1f4e79, not {value!r}")
    digits = value[1:].lower()
    return "#" + ("".join(d * 2 for d in digits) if len(digits) == 3 else digits)


def check_logo(value: str | Path) -> str:
    """An image file to brand the deployment with, as an absolute path; ``""`` for the default.

    PNG, JPEG, GIF, WebP or SVG, at most 512 KB, since every page shows it.
    """
    if not str(value).strip():
        return ""
    path = Path(str(value).strip()).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if not path.is_file():
        raise ScaffoldError(f"logo {str(value)!r} is not a file (give the path of an image)")
    suffix = path.suffix.lower()
    if suffix not in LOGO_FORMATS:
        raise ScaffoldError(
            f"logo {path.name!r} must be one of {', '.join(sorted(set(LOGO_FORMATS)))}"
        )
    size = path.stat().st_size
    if size > LOGO_MAX_BYTES:
        raise ScaffoldError(
            f"logo {path.name!r} is {size // 1024} KB; keep it under {LOGO_MAX_BYTES // 1024} KB, "
            "it is on every page"
        )
    head = path.read_bytes()[:512]
    if suffix == ".svg":
        head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(LOGO_FORMATS[suffix]):
        raise ScaffoldError(f"logo {path.name!r} is not a {suffix[1:].upper()} image")
    return str(path.resolve())


def logo_file(value: str) -> str:
    """The logo's file name in the deployment's static folder: ``logo.svg``, ``logo.png``…"""
    suffix = Path(value).suffix.lower() if str(value).strip() else ".svg"
    return "logo" + (".jpg" if suffix == ".jpeg" else suffix)


def check_plugin_id(value: str) -> str:
    """A third-party plugin id: snake_case, 2-31 characters, not reserved."""
    if not _PLUGIN_ID.match(value):
        raise ScaffoldError(
            f"{value!r} is not a plugin id: use 2-31 lowercase letters, digits or _, "
            "starting with a letter (e.g. sampah)"
        )
    if value in RESERVED_PLUGIN_IDS:
        raise ScaffoldError(f"{value!r} is taken by Pamong itself; choose another plugin id")
    return value


def template_dir(name: str) -> Path:
    """The folder of the ``regency`` or ``plugin`` cookiecutter template."""
    shipped = Path(str(resources.files("pamong"))) / "scaffolds" / name
    if (shipped / "cookiecutter.json").exists():
        return shipped
    in_repo = Path(__file__).resolve().parent.parent / "templates" / name
    if (in_repo / "cookiecutter.json").exists():
        return in_repo
    raise FileNotFoundError(f"the {name!r} template is missing from this Pamong install")


def _cookiecutter(
    template: str, output_dir: Path, extra_context: dict[str, Any], overwrite: bool
) -> Path:
    from cookiecutter.main import cookiecutter

    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pamong-cookiecutter-") as tmp:
        # Keep cookiecutter's replay and clone folders out of the home folder.
        config = Path(tmp) / "config.yaml"
        config.write_text(
            json.dumps({"replay_dir": f"{tmp}/replay", "cookiecutters_dir": f"{tmp}/clones"}),
            "utf-8",
        )
        # Cookiecutter leaves its rendered hook scripts in the temp folder: use ours.
        saved, tempfile.tempdir = tempfile.tempdir, tmp
        try:
            result = cookiecutter(
                str(template_dir(template)),
                no_input=True,
                extra_context=extra_context,
                output_dir=str(output_dir),
                overwrite_if_exists=overwrite,
                config_file=str(config),
            )
        finally:
            tempfile.tempdir = saved
    return Path(result)


def new_regency(
    code: str,
    output_dir: Path,
    *,
    modules: str | list[str] = "",
    default_language: str = "id",
    database: str = "postgresql",
    site_domain: str = "",
    admin_email: str = "",
    logo: str | Path = "",
    primary_color: str = DEFAULT_PRIMARY_COLOR,
    accent_color: str = DEFAULT_ACCENT_COLOR,
    overwrite: bool = False,
) -> Path:
    """Generate ``<output_dir>/pamong-<slug>`` for the regency or city ``code``.

    ``logo`` is an image file copied into the deployment (a relative path is
    taken from the current folder); without one the deployment gets an
    emblem with the regency's initials in its colours.
    """
    facts = regency_context(code)
    enabled = parse_modules(modules)
    check_choice("default_language", default_language, LANGUAGES)
    check_choice("database", database, DATABASES)
    context: dict[str, Any] = {
        "region_code": facts.region_code,
        "modules": ",".join(enabled),
        "default_language": default_language,
        "database": database,
        "primary_color": check_color("primary_color", primary_color),
        "accent_color": check_color("accent_color", accent_color),
        "logo": check_logo(logo),
    }
    if site_domain:
        context["site_domain"] = site_domain
    if admin_email:
        context["admin_email"] = admin_email
    target = output_dir / f"pamong-{facts.slug}"
    if target.exists() and not overwrite:
        raise ScaffoldError(f"{target} already exists (pass --overwrite to render over it)")
    return _cookiecutter("regency", output_dir, context, overwrite)


def check_plugin_text(name: str, value: str) -> str:
    """A title or description: one line, no quotes or backslashes (it lands in Python code)."""
    if any(ch in value for ch in '"\\\n\r'):
        raise ScaffoldError(f"{name} must be one line without quotes or backslashes: {value!r}")
    return value


def new_plugin(
    plugin_id: str,
    output_dir: Path,
    *,
    title: str = "",
    description: str = "",
    author: str = "",
    author_email: str = "",
    overwrite: bool = False,
) -> Path:
    """Generate ``<output_dir>/pamong-<id>``: a third-party plugin distribution."""
    check_plugin_id(plugin_id)
    context: dict[str, Any] = {
        "plugin_id": plugin_id,
        "__pamong_version": ".".join(pamong.__version__.split(".")[:2]),
    }
    for key, value in (
        ("title", title),
        ("description", description),
        ("author", author),
        ("author_email", author_email),
    ):
        if value:
            context[key] = check_plugin_text(key, value)
    target = output_dir / f"pamong-{plugin_id.replace('_', '-')}"
    if target.exists() and not overwrite:
        raise ScaffoldError(f"{target} already exists (pass --overwrite to render over it)")
    return _cookiecutter("plugin", output_dir, context, overwrite)


def pamong_version() -> str:
    return pamong.__version__
