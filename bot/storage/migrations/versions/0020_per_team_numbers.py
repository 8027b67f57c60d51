"""asks, drivers and agreements carry a number counted within their team

Revision ID: 0020
Revises: 0019

People saw global ids (a new team's first driver was #3), which hinted at other teams'
activity. Each row now has a per-team number, the one people see and type; existing rows are
numbered within their team in the order they were made, and an ask's alias follows its number.
`item_numbers` keeps each team's last number of each kind, so a deleted item's number is never
given again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("asks", "drivers", "agreements")


def _backfill(name: str) -> dict[str, int]:
    connection = op.get_bind()
    table = sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column("tenant_id", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("number", sa.Integer),
        *((sa.column("alias", sa.String),) if name == "asks" else ()),
    )
    rows = connection.execute(
        sa.select(table.c.id, table.c.tenant_id).order_by(table.c.created_at, table.c.id)
    ).all()
    counted: dict[str, int] = {}
    for row_id, tenant in rows:
        counted[tenant] = counted.get(tenant, 0) + 1
        values: dict[str, object] = {"number": counted[tenant]}
        if name == "asks":
            values["alias"] = f"Question #{counted[tenant]}"
        connection.execute(sa.update(table).where(table.c.id == row_id).values(**values))
    return counted


def upgrade() -> None:
    """Add the numbers, fill them in per team, then require them and keep them unique."""
    counters = op.create_table(
        "item_numbers",
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "kind", name=op.f("pk_item_numbers")),
    )
    for name in TABLES:
        with op.batch_alter_table(name) as batch_op:
            batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        last = _backfill(name)
        if last:
            op.bulk_insert(
                counters,
                [{"tenant_id": t, "kind": name, "last": n} for t, n in sorted(last.items())],
            )
        with op.batch_alter_table(name) as batch_op:
            batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
            batch_op.create_unique_constraint(f"uq_{name}_tenant_id", ["tenant_id", "number"])


def downgrade() -> None:
    """Drop the numbers; an ask's alias names its id again."""
    op.execute("UPDATE asks SET alias = 'Question #' || id")
    for name in TABLES:
        with op.batch_alter_table(name) as batch_op:
            batch_op.drop_constraint(f"uq_{name}_tenant_id", type_="unique")
            batch_op.drop_column("number")
    op.drop_table("item_numbers")
