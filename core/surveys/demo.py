"""Demo answers: most people served answer the survey, each unit with its own level."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.db import utcnow
from pamong.surveys.models import SurveyInvitation, SurveyResponse
from pamong.surveys.services import (
    answer_survey,
    close_period,
    period_bounds,
    recent_periods,
)

#: How much better (+) or worse (-) than a unit's level each element is rated:
#: time and facilities draw complaints, free services score high on the fee.
ELEMENT_OFFSETS = (0.0, -0.1, -0.3, 0.4, 0.1, 0.1, 0.2, -0.2, -0.2)
SUGGESTIONS = (
    "Ruang tunggu perlu ditambah kursi.",
    "Petugas ramah dan sigap, terima kasih.",
    "Mohon jadwal layanan diumumkan di papan depan kantor.",
    "Antrean pagi terlalu panjang.",
    "Prosesnya lebih cepat dari perkiraan.",
    "Perlu tempat parkir yang lebih luas.",
)
RESPONSE_RATE = 0.65


def seed_answers(session: Session, today: date, seed: int = 14) -> int:
    """Answer most open invitations of services that have no answers yet; close past periods.

    Returns the number of answers added.
    """
    rng = random.Random(seed)
    answered_services = set(session.scalars(select(SurveyResponse.service).distinct()))
    invitations = session.scalars(
        select(SurveyInvitation)
        .where(
            SurveyInvitation.answered_at.is_(None),
            SurveyInvitation.service.not_in(answered_services),
        )
        .order_by(SurveyInvitation.id)
    ).all()
    levels: dict[tuple[str, int], float] = {}
    added = 0
    for invitation in invitations:
        if rng.random() > RESPONSE_RATE:
            continue
        key = (invitation.service, invitation.org_unit_id)
        level = levels.setdefault(key, rng.uniform(2.7, 3.6))
        answers = [
            max(1, min(4, round(rng.gauss(level + offset, 0.55)))) for offset in ELEMENT_OFFSETS
        ]
        day = min(today, invitation.completed_on + timedelta(days=rng.randint(0, 3)))
        comment = rng.choice(SUGGESTIONS) if rng.random() < 0.12 else ""
        answer_survey(session, invitation.token, answers, comment, today=day, now=utcnow())
        added += 1
    system = Actor.system("pamong demo")
    for period in recent_periods(session, today):
        if period_bounds(period)[1] < today:
            close_period(session, system, period, today=today)
    return added
