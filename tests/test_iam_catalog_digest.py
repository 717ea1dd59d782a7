"""The digested IAM catalog in the user's cache is the catalog itself, and is never trusted blindly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import validator.cache as cache_module
from validator.iam import catalog as catalog_module


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(cache_module, "_user_folder", lambda: tmp_path / "dutyguard")
    catalog_module.catalog.cache_clear()
    yield tmp_path / "dutyguard"
    catalog_module.catalog.cache_clear()


def fresh() -> catalog_module.Catalog:
    with catalog_module.definition_path().open("rb") as handle:
        return catalog_module.build_catalog(json.load(handle))


def fields(cat: catalog_module.Catalog) -> tuple:
    return (cat.canonical, cat.levels, cat.resource_types, cat.prefixes, cat.service_names)


def digest_files(home: Path) -> list[Path]:
    return sorted(home.glob("iam-catalog-*.json"))


def test_the_first_load_writes_a_digest_and_the_next_reads_the_same_catalog(home: Path):
    first = catalog_module.catalog()
    assert len(digest_files(home)) == 1
    catalog_module.catalog.cache_clear()
    second = catalog_module.catalog()
    assert second is not first
    assert fields(second) == fields(first) == fields(fresh())
    assert isinstance(next(iter(second.prefixes.values())), tuple)


def test_an_altered_digest_is_ignored_and_rebuilt(home: Path):
    catalog_module.catalog()
    (path,) = digest_files(home)
    signature, _, payload = path.read_bytes().partition(b"\n")
    forged = payload.replace(b'"s3:getobject":"Read"', b'"s3:getobject":"List"')
    assert forged != payload
    path.write_bytes(signature + b"\n" + forged)
    catalog_module.catalog.cache_clear()
    assert catalog_module.catalog().levels["s3:getobject"] == "Read"
    assert catalog_module.read_signed(path.name) == payload  # rewritten, signed again


def test_a_digest_without_the_secret_is_ignored(home: Path, monkeypatch):
    catalog_module.catalog()
    monkeypatch.setattr(cache_module, "_secret", lambda: b"another user's secret, 32 bytes long")
    (path,) = digest_files(home)
    assert catalog_module.read_signed(path.name) is None


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(cache_module, "_user_folder", lambda: blocker / "dutyguard")
    catalog_module.catalog.cache_clear()
    try:
        assert fields(catalog_module.catalog()) == fields(fresh())
    finally:
        catalog_module.catalog.cache_clear()
