"""Residents and staff identity."""
