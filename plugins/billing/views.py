"""The billing pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("billing", __name__, template_folder="templates")
