"""the slack tables

Revision ID: slack_0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "slack_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _bot_columns() -> list[sa.Column[object]]:
    """The columns slack-sdk's installations and bots tables share, as this revision made them
    (written out here, not read from the models, so the revision never changes)."""
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_token", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    """Slack's installations and OAuth states (slack-sdk's layout), and forms.

    The core's migrations made these tables before Slack kept its own history: a database
    that has them keeps them, rows and all, and this history takes them over from here.
    """
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "slack_installations" not in present:
        op.create_table(
            "slack_installations",
            *_bot_columns(),
            sa.Column("enterprise_url", sa.String(length=200), nullable=True),
            sa.Column("user_id", sa.String(length=32), nullable=False),
            sa.Column("user_token", sa.String(length=200), nullable=True),
            sa.Column("user_scopes", sa.String(length=1000), nullable=True),
            sa.Column("user_refresh_token", sa.String(length=200), nullable=True),
            sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
            sa.Column("incoming_webhook_url", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_channel", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_channel_id", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_configuration_url", sa.String(length=200), nullable=True),
            sa.Column("token_type", sa.String(length=32), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_installations")),
        )
        with op.batch_alter_table("slack_installations", schema=None) as batch_op:
            batch_op.create_index(
                "slack_installations_idx",
                ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
                unique=False,
            )
    if "slack_bots" not in present:
        op.create_table(
            "slack_bots",
            *_bot_columns(),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_bots")),
        )
        with op.batch_alter_table("slack_bots", schema=None) as batch_op:
            batch_op.create_index(
                "slack_bots_idx",
                ["client_id", "enterprise_id", "team_id", "installed_at"],
                unique=False,
            )
    if "slack_oauth_states" not in present:
        op.create_table(
            "slack_oauth_states",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("state", sa.String(length=200), nullable=False),
            sa.Column("expire_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_oauth_states")),
        )
    if "slack_forms" not in present:
        op.create_table(
            "slack_forms",
            sa.Column("tenant_id", sa.String(length=200), nullable=False),
            sa.Column("digest", sa.String(length=64), nullable=False),
            sa.Column("form", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("tenant_id", "digest", name=op.f("pk_slack_forms")),
        )


def downgrade() -> None:
    """Drop the Slack tables (every workspace must install the app again)."""
    op.drop_table("slack_forms")
    op.drop_table("slack_oauth_states")
    with op.batch_alter_table("slack_bots", schema=None) as batch_op:
        batch_op.drop_index("slack_bots_idx")
    op.drop_table("slack_bots")
    with op.batch_alter_table("slack_installations", schema=None) as batch_op:
        batch_op.drop_index("slack_installations_idx")
    op.drop_table("slack_installations")
