import click

from pamong.hooks import hookimpl


@click.group("db")
def cli() -> None:
    """Not the core's db group."""


@hookimpl
def pamong_register_cli_commands():
    return cli
