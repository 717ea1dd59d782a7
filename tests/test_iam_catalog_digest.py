"""The digested IAM catalog in the user's cache is the catalog itself, and is never trusted blindly."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from validator.iam import catalog as catalog_module
from validator.iam import digest


def _forget() -> None:
    catalog_module.catalog.cache_clear()
    digest._secret.cache_clear()


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    _forget()
    yield tmp_path / ".cache" / "dutyguard"
    _forget()


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


def test_a_digest_signed_with_another_key_is_ignored(home: Path):
    catalog_module.catalog()
    (home / "cache-key").write_bytes(b"another user's secret, 32 bytes long")
    _forget()
    (path,) = digest_files(home)
    assert catalog_module.read_signed(path.name) is None


def test_random_bit_flips_in_the_digest_never_change_the_catalog(home: Path):
    want = fields(fresh())
    catalog_module.catalog()
    (path,) = digest_files(home)
    original = path.read_bytes()
    rng = random.Random(14)
    for _ in range(8):
        blob = bytearray(original)
        for _ in range(rng.randrange(1, 4)):
            blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(blob))
        _forget()
        assert fields(catalog_module.catalog()) == want


@pytest.mark.parametrize("key", [b"", b"short", None])
def test_an_empty_short_or_missing_key_is_replaced_and_the_digest_works_again(home: Path, key: bytes | None):
    home.mkdir(parents=True)
    if key is not None:
        (home / "cache-key").write_bytes(key)
    catalog_module.catalog()
    assert len((home / "cache-key").read_bytes()) == 32
    (path,) = digest_files(home)
    assert catalog_module.read_signed(path.name) is not None
    assert (home / "cache-key").stat().st_mode & 0o077 == 0


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("HOME", str(blocker))
    _forget()
    try:
        assert fields(catalog_module.catalog()) == fields(fresh())
    finally:
        _forget()
