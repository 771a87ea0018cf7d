"""registrations: drop the index on event_id alone

The edition's registrations are found through the indexes that begin with event_id: the
unique (event_id, nonce) and the unique (event_id, participant_id) of active registrations.
The index on event_id alone added nothing but a write per registration, and, while the
table's statistics were still those of an empty table (a new installation's first rush),
PostgreSQL chose it for "this form sent before?" and "this person registered already?" and
read every registration of the edition under the lock instead of one entry of a unique index.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_registrations_event_id', table_name='registrations')


def downgrade():
    op.create_index('ix_registrations_event_id', 'registrations', ['event_id'], unique=False)
