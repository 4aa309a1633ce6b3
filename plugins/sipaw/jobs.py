"""Worker jobs: remind markets that have not entered by the deadline; pull the peers' feeds."""

from __future__ import annotations

from typing import Any

from pamong.plugin import regency_today, transaction
from pamong_plugins.sipaw import peers, services


def remind_job(app: Any) -> str:
    with transaction(app) as session:
        missing = services.remind_missing(session, regency_today(app))
    return f"sipaw: {len(missing)} markets reminded"


def pull_all(app: Any) -> list[peers.PullResult]:
    """Each peer in its own transaction: one failing peer does not stop the others."""
    results = []
    with transaction(app) as session:
        configured = peers.configured_peers(session)
    for peer in configured:
        with transaction(app) as session:
            results.append(peers.pull_peer(session, peer, regency_today(app)))
    return results


def pull_job(app: Any) -> str:
    results = pull_all(app)
    return "sipaw: " + "; ".join(
        f"{r.peer} {r.stored} rows, {r.posts} posts" + (f" ({r.error})" if r.error else "")
        for r in results
    )
