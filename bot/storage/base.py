"""The declarative base every table shares: its naming convention and common column types."""

from __future__ import annotations

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so migrations can drop and alter them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Buttons and commands name these rows by id, so a deleted row's id must never name a newer row:
# without AUTOINCREMENT, SQLite hands the newest deleted id out again. PostgreSQL never reuses one.
IDS_NEVER_REUSED = {"sqlite_autoincrement": True}

TENANT = String(200)
PSEUDONYM = String(64)


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)
