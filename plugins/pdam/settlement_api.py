"""REST: ``/api/v1/pdam/bank-settlements``: a bank's settlement file of water bill payments."""

from __future__ import annotations

from typing import Any

from pamong.plugin import BEARER, api_actor, get_session, token_required
from pamong_plugins.pdam import settlement
from pamong_plugins.pdam.api import blp
from pamong_plugins.pdam.schemas import PdamSettlementResultSchema, PdamSettlementSchema


@blp.route("/bank-settlements", methods=["POST"])
@token_required
@blp.arguments(PdamSettlementSchema)
@blp.response(200, PdamSettlementResultSchema)
@blp.doc(security=BEARER)
def import_settlement(data: dict[str, Any]):
    """Pay the good lines of a bank's CSV; every refused line comes back with its reason."""
    session = get_session()
    result = settlement.import_settlement(
        session, api_actor(), data["csv"], bank=data["bank"], dry_run=data["dry_run"]
    )
    session.commit()
    return result
