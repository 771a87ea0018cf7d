"""personal links that a later mail can carry again

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:50:00

Existing registrations keep their stored token hash (their mailed links keep working);
they get a derived link the first time a mail needs one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('legacy_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_registrations_legacy_token_hash'),
                                          ['legacy_token_hash'])


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_registrations_legacy_token_hash'), type_='unique')
        batch_op.drop_column('legacy_token_hash')
        batch_op.drop_column('link_secret')
