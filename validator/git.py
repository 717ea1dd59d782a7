"""Reading a dutyguard repository as it was at a git ref, straight from git objects (no checkout).

The rules match the disk loader (`validator.load.files`): only `*.yaml`/`*.yml` below `ownership/`
and `policy/`, sorted, hidden names skipped, the same size limits, and the same answer for symbolic
links (mode 120000 in git): a link whose target stays inside the repository is followed within the
tree, as the disk loader follows it (a top-level `policy` that links to `config/policy` reads that
folder, under the link's name), so `diff HEAD` of an unchanged tree shows no change; a link that
leaves the repository, loops or points at nothing is SCH007 with the disk loader's words.
"""

from __future__ import annotations

import errno
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

# a revision as users type it: a ref name, then any number of `~N` / `^N` steps (HEAD~1, main^, v1.2^2~3)
_REVISION = re.compile(r"(?P<name>.*?)(?P<steps>(?:[~^][0-9]*)*)")
# what `git check-ref-format` refuses in a name: ASCII controls, space, ~ ^ : ? * [ \\ (and DEL)
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
_LINK_MODE = 0o120000
_SUBMODULE_MODE = 0o160000
MAX_LINK_HOPS = 40  # as the kernel's limit on symbolic links in one path lookup
FETCH_HINT = ("fetch the history first: `fetch-depth: 0` in actions/checkout, or `git fetch --unshallow` "
              "(and `git fetch origin <branch>` for a branch the clone does not have)")


def check_ref(ref: str) -> str:
    """A revision a user may name, or UsageError.

    Every name `git check-ref-format --allow-onelevel` accepts (`main`, `origin/main`, `v1.2`, `fix/ünïcode`,
    `v1.0-é`, a commit id), followed by any `~N` and `^N` steps (`HEAD~1`, `main^`). Refused: a leading `-`
    (an option), `..` (a range), `:` (a path), `@{` (reflog syntax), globs, spaces and control characters.
    """
    match = _REVISION.fullmatch(ref) if ref else None
    if match is None or ref.startswith("-") or not valid_ref_name(match.group("name")):
        raise UsageError(f"'{_printable(ref)}' is not a git ref dutyguard accepts: name a branch, tag or commit "
                         "(e.g. origin/main, v1.2, HEAD~1, a commit id)")
    return ref


def valid_ref_name(name: str) -> bool:
    """`git check-ref-format --allow-onelevel NAME` (git-check-ref-format(1), rules 1-10)."""
    if not name or name == "@" or name.startswith(("-", "/")) or name.endswith(("/", ".")):
        return False
    if ".." in name or "@{" in name or "//" in name or _REF_FORBIDDEN.search(name):
        return False
    return not any(part.startswith(".") or part.endswith(".lock") for part in name.split("/"))


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
    links = _Links(commit.tree, prefix.parts)
    for top in ROOTS:
        for rel, blob, error in links.walk_top(top):
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


_LEAVES = "a link that leaves the repository: replace it with the file itself"
_LOOP = "a link loop: remove the link"
# the words the disk loader reports for these (its `cannot be read: <strerror>`)
_MISSING = f"cannot be read: {os.strerror(errno.ENOENT)}"
_TOO_MANY_LINKS = f"cannot be read: {os.strerror(errno.ELOOP)}"


class _Links:
    """A commit's tree read as the disk loader reads a checkout: symbolic links resolved inside the tree.

    `prefix`: where the dutyguard repository sits in the git tree; a link must resolve inside it (on
    disk: inside --repo). Paths are reported by the name the walk reached them by (the link's name), as
    on disk. An absolute link target names the machine's file system, not the tree: it leaves."""

    def __init__(self, tree, prefix: tuple[str, ...]) -> None:
        self.tree = tree
        self.prefix = prefix

    def walk_top(self, top: str) -> Iterator[tuple[str, object, str | None]]:
        """(relative path, blob, error) below the top folder `top` (`ownership`, `policy`)."""
        node = self._child(self._node(self.prefix), top)
        if node is None:
            return  # no such folder: nothing to read, as on disk
        yield from self._entry(node, top, (*self.prefix, top), frozenset(), top=True)

    def _entry(self, item, rel: str, real: tuple[str, ...], seen: frozenset,
               top: bool = False) -> Iterator[tuple[str, object, str | None]]:
        name = rel.rsplit("/", 1)[-1]
        if item.mode == _LINK_MODE:
            node, real, error = self._resolve(real[:-1], item)
            if error is not None:
                # as on disk: a link named like YAML, or a link that may be a folder, is reported; others are not read
                if top or name.endswith(SUFFIXES) or (error != _MISSING and "." not in name):
                    yield rel, None, error
                return
            if node.type != "tree" and not name.endswith(SUFFIXES) and not top:
                return  # a link to a file not named like YAML: not read, as on disk
            item = node
        if item.type == "tree":
            if real in seen:
                yield rel, None, _LOOP
                return
            if rel.count("/") >= MAX_FOLDER_DEPTH:
                yield rel, None, f"folders nested deeper than {MAX_FOLDER_DEPTH} levels: flatten the layout"
                return
            seen = seen | {real}
            for child in sorted(item, key=lambda entry: entry.name):
                if child.name.startswith(".") or child.mode == _SUBMODULE_MODE:
                    continue
                yield from self._entry(child, f"{rel}/{child.name}", (*real, child.name), seen)
        elif name.endswith(SUFFIXES):
            if item.type == "blob":
                yield rel, item, None
            else:
                yield rel, None, "not a regular file: replace it with a plain YAML file"

    def _resolve(self, folder: tuple[str, ...], link) -> tuple[object, tuple[str, ...], str | None]:
        """The node a link (in `folder`) points at, its real path, or the disk loader's error."""
        hops = 0
        pending = self._target(link)
        if pending is None:
            return None, (), _LEAVES
        resolved = list(folder)
        while pending:
            part = pending.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:
                    return None, (), _LEAVES
                resolved.pop()
                continue
            node = self._child(self._node(tuple(resolved)), part)
            if node is None:
                return None, (), _LEAVES if not self._inside(resolved) else _MISSING
            if node.mode == _LINK_MODE:
                hops += 1
                target = self._target(node)
                if hops > MAX_LINK_HOPS:
                    return None, (), _TOO_MANY_LINKS
                if target is None:
                    return None, (), _LEAVES
                pending = target + pending
                continue
            resolved.append(part)
        real = tuple(resolved)
        if not self._inside(resolved):
            return None, (), _LEAVES
        node = self._node(real)
        return (node, real, None) if node is not None else (None, (), _MISSING)

    def _inside(self, parts: list[str] | tuple[str, ...]) -> bool:
        return tuple(parts[:len(self.prefix)]) == self.prefix and len(parts) > len(self.prefix)

    @staticmethod
    def _target(link) -> list[str] | None:
        """A link's target as path parts, None when absolute."""
        target = link.data_stream.read().decode("utf-8", "surrogateescape")
        return None if target.startswith("/") else target.split("/")

    def _node(self, parts: tuple[str, ...]):
        """The tree entry at `parts` (no links on the way: `parts` is a resolved path), or None."""
        node = self.tree
        for part in parts:
            node = self._child(node, part)
            if node is None:
                return None
        return node

    @staticmethod
    def _child(node, name: str):
        if node is None or node.type != "tree":
            return None
        try:
            return node[name]
        except KeyError:
            return None


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


def sources_at(root: Path, ref: str) -> list[SourceFile]:
    """The YAML of the dutyguard repository at `root` as it was at git `ref`."""
    check_ref(ref)
    repo = open_repo(root)
    try:
        commit = resolve(repo, ref)
        return tree_sources(commit, repo_prefix(repo, root), worktree=root)
    finally:
        repo.close()
