from flask import Blueprint

from pamong.plugin import hookimpl

bp = Blueprint("track", __name__)


@bp.route("/")
def index():
    return "not the tracker"


@hookimpl
def pamong_register_blueprints(app):
    return [bp]
