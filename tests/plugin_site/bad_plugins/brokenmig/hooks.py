"""Importing the models registers the table."""

from bad_plugins.brokenmig import models  # noqa: F401
