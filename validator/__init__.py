"""dutyguard: service ownership, on-call rotations and production access as validated YAML."""

__version__ = "0.1.0"
