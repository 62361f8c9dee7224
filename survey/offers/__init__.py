"""The inventory of local advice and support offers: plain Python over a SQLAlchemy session, no Flask."""
