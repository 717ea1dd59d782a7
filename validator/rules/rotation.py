"""rotation rules (to be implemented)."""
