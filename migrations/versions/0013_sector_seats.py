"""seats per sector: reserved seats of the four sectors per edition, the time they open to
everyone, and the mark of a promotion into a reserved seat

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_SECTORS = ('civil_society', 'public_administration', 'business', 'research')


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        for sector in _SECTORS:
            batch_op.add_column(sa.Column(f'reserved_{sector}', sa.Integer(),
                                          server_default='0', nullable=False))
        batch_op.add_column(sa.Column('seats_release_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_check_constraint(
            'reserved_seats_not_negative',
            ' AND '.join(f'reserved_{sector} >= 0' for sector in _SECTORS))

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promoted_reserved', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('promoted_reserved')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_reserved_seats_not_negative'), type_='check')
        batch_op.drop_column('seats_release_at')
        for sector in reversed(_SECTORS):
            batch_op.drop_column(f'reserved_{sector}')
