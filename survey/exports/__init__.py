"""Export writers (plain Python: no Flask, no database)."""
