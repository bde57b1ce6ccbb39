"""Production layout: systemd units, the Procfile's processes, nginx in front (docs/deploy.md)."""
