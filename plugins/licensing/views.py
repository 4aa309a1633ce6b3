"""Pages (placeholder)."""

from flask import Blueprint

bp = Blueprint("licensing", __name__, url_prefix="/licensing", template_folder="templates")
