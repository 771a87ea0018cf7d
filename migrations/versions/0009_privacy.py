"""privacy: consent to keep the participation history, returning recorded before
unlinking, the video-conference service of an edition

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_OLD_PURPOSES = ("'privacy_notice', 'accessibility_data', 'photos', 'named_in_report', "
                 "'future_editions'")
_NEW_PURPOSES = _OLD_PURPOSES + ", 'keep_history'"


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('video_service', sa.String(length=200), nullable=False,
                                      server_default=''))

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returning_recorded', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    # The purpose is a string with a CHECK constraint: widen it (SQLite: by a batch copy).
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_consent_records_consent_purpose'), type_='check')
        batch_op.create_check_constraint('consent_purpose', f"purpose IN ({_NEW_PURPOSES})")


def downgrade():
    op.execute("DELETE FROM consent_records WHERE purpose = 'keep_history'")
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_consent_records_consent_purpose'), type_='check')
        batch_op.create_check_constraint('consent_purpose', f"purpose IN ({_OLD_PURPOSES})")

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('returning_recorded')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('video_service')
