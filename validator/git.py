"""Reading a dutyguard repository as it was at a git ref, straight from git objects (no checkout).

The rules match the disk loader (`validator.load.files`): only `*.yaml`/`*.yml` below `ownership/`
and `policy/`, sorted, hidden names skipped, the same size limits. A symbolic link stored in git
(mode 120000) is never followed: a link named like a YAML file, or without any suffix (likely a
folder), becomes an SCH007 finding, so nothing a link points at can silently go missing.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from validator.findings import UsageError
from validator.load.files import (
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_FOLDER_DEPTH,
    MAX_TOTAL_BYTES,
    ROOTS,
    SUFFIXES,
    SourceFile,
    read_file,
)

_REF = re.compile(r"[A-Za-z0-9@][A-Za-z0-9._/@{}~^+-]{0,255}")
_LINK_MODE = 0o120000
_SUBMODULE_MODE = 0o160000
FETCH_HINT = ("fetch the history first: `fetch-depth: 0` in actions/checkout, or `git fetch --unshallow` "
              "(and `git fetch origin <branch>` for a branch the clone does not have)")


def check_ref(ref: str) -> str:
    """A revision a user may name (`main`, `origin/main`, `v1.2`, `HEAD~1`, a commit id), or UsageError.

    Options (`-x`), ranges (`a..b`), paths (`rev:path`), globs, spaces and control characters are refused.
    """
    if not ref or ref.startswith("-") or ".." in ref or not _REF.fullmatch(ref) or ref.endswith((".", "/", ".lock")):
        raise UsageError(f"'{_printable(ref)}' is not a git ref dutyguard accepts: name a branch, tag or commit "
                         "(e.g. origin/main, v1.2, HEAD~1, a commit id)")
    return ref


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:80]


def open_repo(root: Path):  # -> git.Repo
    """The git repository that holds `root` (which may be a sub-folder of it)."""
    import git

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(f"'{root}' is not inside a git repository: diff and --baseline read git history "
                         "(run them in a clone)") from None


def is_shallow(repo) -> bool:
    """A shallow clone records its cut-off commits in `.git/shallow`."""
    for folder in {repo.git_dir, getattr(repo, "common_dir", repo.git_dir)}:
        if (Path(folder) / "shallow").is_file():
            return True
    return False


def resolve(repo, ref: str):  # -> git.Commit
    """The commit `ref` names; a clear UsageError (with the fetch hint in a shallow clone) if there is none."""
    import git
    from gitdb.exc import BadName, BadObject

    check_ref(ref)
    try:
        obj = repo.rev_parse(ref)
        commit = obj.object if obj.type == "tag" else obj
        while commit.type == "tag":
            commit = commit.object
        if commit.type != "commit":
            raise UsageError(f"git ref '{ref}' names a {commit.type}, not a commit")
        commit.tree  # noqa: B018  (reading the tree proves the object is really there)
        return commit
    except UsageError:
        raise
    except (BadName, BadObject, ValueError, IndexError, KeyError, AttributeError, git.GitError):
        if is_shallow(repo):
            raise UsageError(f"git ref '{ref}' is not in this shallow clone: {FETCH_HINT}") from None
        raise UsageError(f"unknown git ref '{ref}': not a branch, tag or commit of this repository "
                         "(for a remote branch, `git fetch origin <branch>` first)") from None


def repo_prefix(repo, root: Path) -> PurePosixPath:
    """Where the dutyguard repository `root` sits inside the git work tree ('' at its top)."""
    top = Path(repo.working_tree_dir or root).resolve()
    try:
        rel = Path(root).resolve().relative_to(top)
    except ValueError:
        raise UsageError(f"'{root}' is not inside the git work tree {top}") from None
    return PurePosixPath(rel.as_posix()) if rel.parts else PurePosixPath()


def tree_sources(commit, prefix: PurePosixPath = PurePosixPath(), worktree: Path | None = None) -> list[SourceFile]:
    """Every YAML file below ownership/ and policy/ of `commit` (under `prefix`), as SourceFiles.

    `worktree`: the same repository on disk. A file there whose git blob id equals the commit's is
    taken from the disk (the same bytes, proven by the id) instead of asking git for it, which costs
    a round trip to `git cat-file` per file; any other file is read from git."""
    out: list[SourceFile] = []
    total = 0
    count = 0
    for top in ROOTS:
        tree = _subtree(commit.tree, prefix / top)
        if tree is None:
            continue
        for rel, blob, error in _walk(tree, top):
            if error is not None:
                out.append(SourceFile(rel, None, error))
                continue
            count += 1
            if count > MAX_FILES:
                out.append(SourceFile(rel, None, f"more than {MAX_FILES} YAML files: split the repository"))
                return out
            data = _same_on_disk(worktree, rel, blob.binsha) if worktree is not None else None
            if data is not None:
                total += len(data)
                if total > MAX_TOTAL_BYTES:
                    out.append(SourceFile(rel, None, f"the repository's YAML exceeds {MAX_TOTAL_BYTES // 2**20} "
                                          "MiB in total; the rest is not read"))
                    return out
                out.append(SourceFile(rel, data, size=len(data)))
                continue
            if blob.size > MAX_FILE_BYTES:
                out.append(SourceFile(rel, None, f"larger than {MAX_FILE_BYTES // 2**20} MiB: split it into "
                                      "smaller files"))
                continue
            total += blob.size
            if total > MAX_TOTAL_BYTES:
                out.append(SourceFile(rel, None, f"the repository's YAML exceeds {MAX_TOTAL_BYTES // 2**20} MiB "
                                      "in total; the rest is not read"))
                return out
            data = blob.data_stream.read()
            out.append(SourceFile(rel, data, size=len(data)))
    return out


def _same_on_disk(worktree: Path, rel: str, binsha: bytes) -> bytes | None:
    """The bytes of `worktree/rel` if they are exactly the blob `binsha` (git's id: SHA-1 of
    `blob <size>\\0` and the bytes), else None. Read like any repository file (a regular file,
    at most MAX_FILE_BYTES); only ever used when git's own id proves it is the same content."""
    data = read_file(os.path.join(worktree, rel), rel).data
    if data is None:
        return None
    digest = hashlib.new("sha1" if len(binsha) == 20 else "sha256", usedforsecurity=False)  # the repository's format
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return data if digest.digest() == binsha else None


def _subtree(tree, path: PurePosixPath):
    """The tree at `path` below `tree`, or None (missing, or not a folder)."""
    node = tree
    for part in path.parts:
        if node.type != "tree":
            return None
        try:
            node = node[part]
        except KeyError:
            return None
    return node if node.type == "tree" else None


def _walk(tree, rel: str) -> Iterator[tuple[str, object, str | None]]:
    """(relative path, blob, error) for YAML files below `tree`, depth first, sorted by name."""
    for item in sorted(tree, key=lambda entry: entry.name):
        name = item.name
        if name.startswith("."):
            continue
        child = f"{rel}/{name}"
        if item.mode == _SUBMODULE_MODE:
            continue
        if item.type == "tree":
            if child.count("/") >= MAX_FOLDER_DEPTH:
                yield child, None, f"folders nested deeper than {MAX_FOLDER_DEPTH} levels: flatten the layout"
                continue
            yield from _walk(item, child)
        elif item.mode == _LINK_MODE:
            if name.endswith(SUFFIXES) or "." not in name:  # a YAML file, or (likely) a folder of them
                yield child, None, "a symbolic link in git is not followed: replace it with the file or folder itself"
        elif name.endswith(SUFFIXES):
            yield child, item, None


def sources_at(root: Path, ref: str) -> list[SourceFile]:
    """The YAML of the dutyguard repository at `root` as it was at git `ref`."""
    check_ref(ref)
    repo = open_repo(root)
    try:
        commit = resolve(repo, ref)
        return tree_sources(commit, repo_prefix(repo, root), worktree=root)
    finally:
        repo.close()
