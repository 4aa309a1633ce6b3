"""Generators: ``pamong new-regency`` and ``pamong new-plugin``."""

from __future__ import annotations

from pathlib import Path

import click

from pamong.cli.base import (
    CliError,
    main,
)
from pamong.scaffold import DEFAULT_ACCENT_COLOR, DEFAULT_PRIMARY_COLOR  # light: no app


@main.command("new-regency")
@click.argument("code")
@click.option(
    "--modules",
    default="",
    help="Built-in modules to enable, comma-separated: ktp, licensing (default: none).",
)
@click.option("--language", type=click.Choice(["id", "en"]), default="id", show_default=True)
@click.option(
    "--database",
    type=click.Choice(["postgresql", "sqlite"]),
    default="postgresql",
    show_default=True,
)
@click.option("--domain", default="", help="Public domain (default: e.g. lebakkab.go.id).")
@click.option("--admin-email", default="", help="Administrator e-mail (default: admin@DOMAIN).")
@click.option(
    "--logo",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The regency's logo (PNG, JPEG, GIF, WebP or SVG, under 512 KB); "
    "default: an emblem with its initials.",
)
@click.option(
    "--primary-color",
    default=DEFAULT_PRIMARY_COLOR,
    show_default=True,
    help="Hex colour of the page header.",
)
@click.option(
    "--accent-color",
    default=DEFAULT_ACCENT_COLOR,
    show_default=True,
    help="Hex colour of links and buttons.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
@click.option("--overwrite", is_flag=True, help="Render over an existing folder.")
def new_regency(
    code: str,
    modules: str,
    language: str,
    database: str,
    domain: str,
    admin_email: str,
    logo: Path | None,
    primary_color: str,
    accent_color: str,
    output_dir: Path,
    overwrite: bool,
) -> None:
    """Generate a regency deployment pamong-<slug> from the regency template."""
    from pamong.scaffold import ScaffoldError, regency_context
    from pamong.scaffold import new_regency as generate

    try:
        facts = regency_context(code)
        path = generate(
            code,
            output_dir,
            modules=modules,
            default_language=language,
            database=database,
            site_domain=domain,
            admin_email=admin_email,
            logo=logo or "",
            primary_color=primary_color,
            accent_color=accent_color,
            overwrite=overwrite,
        )
    except ScaffoldError as exc:
        raise CliError(str(exc)) from None
    click.echo(
        f"{facts.region_name} ({facts.region_code}, {facts.province}, {facts.kind}, "
        f"{facts.time_zone_label}): {facts.kecamatan} kecamatan, {facts.villages} villages."
    )
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    click.echo(f"Deployment written to {shown}; more in its README.md. Next:")
    click.echo(f"  bash {shown}/install.sh [--database-url URL]")
    click.echo(f"  {shown}/serve.sh")


@main.command("new-plugin")
@click.argument("plugin_id")
@click.option("--title", default="", help="Human title (default: from the id).")
@click.option("--description", default="")
@click.option("--author", default="")
@click.option("--author-email", default="")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
@click.option("--overwrite", is_flag=True, help="Render over an existing folder.")
def new_plugin(
    plugin_id: str,
    title: str,
    description: str,
    author: str,
    author_email: str,
    output_dir: Path,
    overwrite: bool,
) -> None:
    """Generate a third-party plugin distribution pamong-<id> from the plugin template."""
    from pamong.scaffold import ScaffoldError
    from pamong.scaffold import new_plugin as generate

    try:
        path = generate(
            plugin_id,
            output_dir,
            title=title,
            description=description,
            author=author,
            author_email=author_email,
            overwrite=overwrite,
        )
    except ScaffoldError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Plugin written to {path}; next steps are in its README.md.")
