"""Pure decisions: no Flask or SQLAlchemy imports here."""
