"""The public satisfaction index (IKM/SKM), now computed by the core for every service.

Kept so that ``pamong_plugins.licensing.ikm.ikm_score`` works as
documented; the rules and arithmetic live in :mod:`pamong.plugin`
(``ikm_score``, ``ikm_category``, ``IKM_RULES``, ``IKM_ELEMENTS``).

>>> ikm_score([[3] * 9, [4] * 9])
IkmResult(value=Decimal('87.50'), category='B', rule='permenpanrb-14-2017', respondents=2)
"""

from __future__ import annotations

from pamong.plugin import IKM_ELEMENTS as ELEMENTS_2017
from pamong.plugin import IKM_RULES as RULES
from pamong.plugin import IkmResult, ikm_score
from pamong.plugin import IkmRule as Rule
from pamong.plugin import ikm_category as category

__all__ = ["ELEMENTS_2017", "RULES", "IkmResult", "Rule", "category", "ikm_score"]
