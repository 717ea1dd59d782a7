"""`python -m validator` is the same program as `dutyguard`."""

from validator.cli import run

run()
