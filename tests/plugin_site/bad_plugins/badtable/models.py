from sqlalchemy.orm import Mapped, mapped_column

from pamong.db import Base


class Thing(Base):
    __tablename__ = "things"

    id: Mapped[int] = mapped_column(primary_key=True)
