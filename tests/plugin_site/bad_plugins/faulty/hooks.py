from bad_plugins.faulty.models import Mark
from pamong.plugin import hookimpl


@hookimpl
def pamong_on_resident_registered(resident, session):
    session.add(Mark(text=f"registered {resident.nik}"))
    session.flush()
    raise RuntimeError("faulty listener")


@hookimpl
def pamong_on_resident_changed(resident, session, changes):
    session.add(Mark(text=None))  # NOT NULL: refused when the listener's savepoint ends


@hookimpl
def pamong_on_fee_due(fee, session):
    raise RuntimeError("billing is down")
