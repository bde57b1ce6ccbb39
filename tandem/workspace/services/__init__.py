"""Every write of the workspace, one module per area. Each function runs in one transaction,
raises ServiceError subclasses (errors.py) and sends its events on commit (events.py)."""
