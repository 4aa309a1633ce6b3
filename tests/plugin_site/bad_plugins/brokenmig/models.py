from sqlalchemy.orm import Mapped, mapped_column

from pamong.plugin import Base


class Item(Base):
    __tablename__ = "brokenmig_items"

    id: Mapped[int] = mapped_column(primary_key=True)
