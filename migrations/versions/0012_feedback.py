"""feedback survey: questions per series and edition, anonymous responses and answers,
the invited/reminded/answered marks on registrations, and the report's
choice to show the feedback's headline figures

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('scale', 'single', 'multiple', 'text', name='feedback_question_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('text_de', sa.String(length=300), nullable=False),
    sa.Column('text_en', sa.String(length=300), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('purpose', sa.Enum('', 'overall', 'topics', name='feedback_question_purpose', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.CheckConstraint('(series_id IS NULL) <> (event_id IS NULL)', name=op.f('ck_feedback_questions_one_owner')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_feedback_questions_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_feedback_questions_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_questions'))
    )
    with op.batch_alter_table('feedback_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_questions_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_questions_series_id'), ['series_id'], unique=False)

    # WITHOUT ROWID on SQLite: a rowid would keep the order in which answers arrived.
    op.create_table('feedback_responses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_feedback_responses_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_responses')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_responses_event_id'), ['event_id'], unique=False)

    op.create_table('feedback_answers',
    sa.Column('response_id', sa.Uuid(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['feedback_questions.id'], name=op.f('fk_feedback_answers_question_id_feedback_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['feedback_responses.id'], name=op.f('fk_feedback_answers_response_id_feedback_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'question_id', name=op.f('pk_feedback_answers')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_answers_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_invited', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('feedback_reminded', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('feedback_answered', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_feedback', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('show_feedback')

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('feedback_answered')
        batch_op.drop_column('feedback_reminded')
        batch_op.drop_column('feedback_invited')

    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_answers_question_id'))
    op.drop_table('feedback_answers')
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_responses_event_id'))
    op.drop_table('feedback_responses')
    with op.batch_alter_table('feedback_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_questions_series_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_questions_event_id'))
    op.drop_table('feedback_questions')
