"""drivers board, culture agreements and survey questions

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "drivers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=2000), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
    )
    with op.batch_alter_table("drivers") as batch_op:
        batch_op.create_index("ix_drivers_tenant_place", ["tenant_id", "place"], unique=False)
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=2000), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    with op.batch_alter_table("agreements") as batch_op:
        batch_op.create_index("ix_agreements_tenant_place", ["tenant_id", "place"], unique=False)
    op.create_table(
        "agreement_stars",
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "voter", name=op.f("pk_agreement_stars")),
    )
    op.create_table(
        "survey_questions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=2000), nullable=False),
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("survey", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questions")),
    )
    with op.batch_alter_table("survey_questions") as batch_op:
        batch_op.create_index(
            "ix_survey_questions_tenant_place", ["tenant_id", "place"], unique=False
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("survey_questions") as batch_op:
        batch_op.drop_index("ix_survey_questions_tenant_place")
    op.drop_table("survey_questions")
    op.drop_table("agreement_stars")
    with op.batch_alter_table("agreements") as batch_op:
        batch_op.drop_index("ix_agreements_tenant_place")
    op.drop_table("agreements")
    with op.batch_alter_table("drivers") as batch_op:
        batch_op.drop_index("ix_drivers_tenant_place")
    op.drop_table("drivers")
