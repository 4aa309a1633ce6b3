"""Importing the models registers the table."""

from bad_plugins.drifty import models  # noqa: F401
