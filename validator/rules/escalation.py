"""escalation rules (to be implemented)."""
