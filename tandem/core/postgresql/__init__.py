"""Django's PostgreSQL backend with a pool that survives a server restart (see base.py)."""
