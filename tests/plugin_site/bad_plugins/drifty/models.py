from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from pamong.plugin import Base


class Thing(Base):
    __tablename__ = "drifty_things"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
