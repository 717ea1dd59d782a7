"""access rules (to be implemented)."""
