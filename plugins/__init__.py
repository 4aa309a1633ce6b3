"""Pamong's built-in plugins (each enabled per deployment in pamong.toml)."""
