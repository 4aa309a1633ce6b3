from flask import Blueprint

from pamong.hooks import hookimpl

bp = Blueprint("track", __name__)


@bp.route("/")
def index():
    return "not the tracker"


@hookimpl
def pamong_register_blueprints(app):
    return [bp]
