"""Readable, translated labels for the stored codes shown on pages."""

from __future__ import annotations

from typing import Any

from pamong.i18n import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "sex": {"M": _l("Male"), "F": _l("Female")},
    "status": {
        "living": _l("Living"),
        "moved_out": _l("Moved out"),
        "deceased": _l("Deceased"),
    },
    "religion": {
        "islam": _l("Islam"),
        "kristen": _l("Protestant"),
        "katolik": _l("Catholic"),
        "hindu": _l("Hindu"),
        "buddha": _l("Buddhist"),
        "konghucu": _l("Confucian"),
        "kepercayaan": _l("Traditional belief"),
    },
    "marital_status": {
        "belum_kawin": _l("Not married"),
        "kawin": _l("Married"),
        "cerai_hidup": _l("Divorced"),
        "cerai_mati": _l("Widowed"),
    },
    "message_kind": {
        "letter": _l("Letter"),
        "invitation": _l("Invitation"),
        "notice": _l("Notice"),
    },
    "kind": {
        "regency": _l("Regency/city"),
        "kecamatan": _l("Kecamatan"),
        "desa": _l("Desa"),
        "kelurahan": _l("Kelurahan"),
        "skpd": _l("Regional office (SKPD)"),
        "bumd": _l("Regional enterprise (BUMD)"),
        "rsud": _l("Regional hospital (RSUD)"),
        "service_point": _l("Service point"),
    },
}


def label(value: str | None, group: str) -> Any:
    """The translated label of ``value`` in ``group``; the value itself if unknown."""
    if value is None:
        return "–"
    return LABELS.get(group, {}).get(value, value)
