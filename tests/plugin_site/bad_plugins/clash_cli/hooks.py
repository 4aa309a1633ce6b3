import click

from pamong.plugin import hookimpl


@click.group("db")
def cli() -> None:
    """Not the core's db group."""


@hookimpl
def pamong_register_cli_commands():
    return cli
