"""Broken plugins, each with one defect the plugin host must report."""
