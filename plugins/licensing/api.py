"""REST API (placeholder, filled below)."""

from pamong.rest import API_PREFIX, Blueprint

blp = Blueprint(
    "licensing_api", __name__, url_prefix=f"{API_PREFIX}/licensing", description="Licensing"
)
