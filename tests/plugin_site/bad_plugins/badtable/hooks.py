"""Importing the models registers the table."""

from bad_plugins.badtable import models  # noqa: F401
