"""Demo data for ``pamong demo``: officers and a few entries in three kecamatan."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pamong.plugin import DemoContext, actor_of, add_staff, staff_username

from {{ cookiecutter.__package }} import services

TITLES = ("Rapat koordinasi", "Kunjungan lapangan", "Laporan bulanan")


def seed(session: Session, context: DemoContext) -> None:
    """Give three kecamatan an officer (the demo password) and three entries each."""
    for kecamatan in context.kecamatan[:3]:
        username = f"{{ cookiecutter.plugin_id }}.{staff_username(kecamatan.name)}"
        title = f"{{ cookiecutter.title }} {kecamatan.name}"
        add_staff(session, context, username, title, "{{ cookiecutter.plugin_id }}_officer", kecamatan)
        officer = actor_of(session, username)
        for entry_title in TITLES:
            services.add_entry(session, officer, title=entry_title, unit_code=kecamatan.code)
