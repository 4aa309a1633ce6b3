"""The hook the rsud plugin declares for SATUSEHAT and claim adapter plugins.

Implement it with ``@hookimpl(optionalhook=True)`` so the adapter also loads
where rsud is not enabled. Rsud itself sends nothing anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pamong.plugin import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@hookspec(since="0.1", when="transaction")
def pamong_rsud_bundle_exported(
    bundle: dict[str, Any], encounter_number: str, session: Session
) -> None:
    """An encounter was exported as a FHIR R4 bundle (validated against the R4B models).

    A SATUSEHAT or E-Klaim adapter queues the bundle for sending here (its
    own keys per deployment, never in code). Return value ignored.

    Args:
        bundle: The ``Bundle`` resource as a dict (JSON-ready).
        encounter_number: The encounter (``RI-2026-000123``).
        session: The exporting request's session.

    Example::

        @hookimpl(optionalhook=True)
        def pamong_rsud_bundle_exported(bundle, encounter_number, session):
            session.add(SatusehatOutbox(ref=encounter_number, body=bundle))
    """
