"""Org units: the regency's territorial tree and its offices."""
