"""`diff` validates two states of one repository: the second reuses the first's parses."""

from __future__ import annotations

from validator.cache import ParseCache


class SharedParses(ParseCache):
    """The parses of one load handed to the next load of the same bytes (a file's cache key is the
    hash of its bytes), in memory: diff's head reuses its base's parse of every unchanged file."""

    def get(self, key: str):
        found = super().get(key)
        if found is None:
            kept = self._used.get(key)
            if isinstance(kept, tuple):
                return kept
        return found
