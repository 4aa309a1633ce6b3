from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from pamong.plugin import Base


class Mark(Base):
    __tablename__ = "faulty_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(80))
