"""Security review as tests (issue 9, item 5): what the code under validator/ may and may not do.

Static checks parse every module with `ast` (not grep, so comments and strings do not count):
only safe YAML loading, no eval/exec, no shell, no subprocess or network modules, git only through
gitpython in validator/git.py, file writes only through the atomic writers, environment variables
only from a short allowlist. `ruff` with the security (`S`) rules must pass (offline). Dynamic checks
prove that a run opens no socket and that git refs are validated before they reach git.
"""

from __future__ import annotations

import ast
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import NOW, ROOT, run_cli

PACKAGE = ROOT / "validator"
MODULES = sorted(PACKAGE.rglob("*.py"))

FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_MODULES = {"subprocess", "socket", "ssl", "urllib", "http", "requests", "httpx", "aiohttp", "ftplib",
                     "smtplib", "telnetlib", "xmlrpc", "pickle", "marshal", "shelve", "pty", "webbrowser",
                     "asyncio", "multiprocessing", "dill", "cloudpickle", "code", "codeop", "runpy"}
FORBIDDEN_ATTRIBUTES = {
    ("yaml", "load"), ("yaml", "load_all"), ("yaml", "unsafe_load"), ("yaml", "unsafe_load_all"),
    ("yaml", "full_load"), ("yaml", "full_load_all"), ("yaml", "Loader"), ("yaml", "UnsafeLoader"),
    ("yaml", "FullLoader"), ("yaml", "CLoader"), ("yaml", "CUnsafeLoader"), ("yaml", "CFullLoader"),
    ("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "execve"), ("os", "execvp"), ("os", "execl"),
    ("os", "spawnv"), ("os", "spawnl"), ("os", "posix_spawn"), ("os", "fork"), ("tempfile", "mktemp"),
}
# modules allowed something the rules above forbid, and why
JUSTIFIED_IMPORTS = {
    ("validator/render/atomic.py", "ctypes"): "renameat2(RENAME_EXCHANGE): swap a rendered directory atomically",
    ("validator/lsp/server.py", "asyncio"): "the language server's hourly refresh timer, on pygls' stdio event loop",
    ("validator/report/sarif.py", "urllib"): "urllib.parse.quote only: percent-encodes artifact URIs, no network",
}
JUSTIFIED_CALLS = {
}
GIT_MODULES = {"validator/git.py"}  # the only module that talks to git (through gitpython)
ENVIRONMENT = {"GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "NO_COLOR"}
# where files may be written; everything else writes through validator/render/atomic.py
WRITERS = {
    "validator/render/atomic.py": "the atomic writers themselves",
    "validator/commands/validate.py": "appends the findings table to $GITHUB_STEP_SUMMARY, as GitHub documents",
}


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def trees() -> list[tuple[str, ast.AST]]:
    return [(rel(path), ast.parse(path.read_text(encoding="utf-8"), filename=str(path))) for path in MODULES]


def imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
    return out


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def test_the_package_is_found():
    assert len(MODULES) > 20 and (PACKAGE / "cli.py") in MODULES


def test_no_eval_exec_compile_or_dynamic_import_builtin():
    hits = [f"{path}:{node.lineno} {node.func.id}()" for path, tree in trees() for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_BUILTINS]
    assert hits == []


def test_no_shell_true_anywhere():
    hits = [f"{path}:{node.lineno}" for path, tree in trees() for node in ast.walk(tree)
            if isinstance(node, ast.keyword) and node.arg == "shell"
            and not (isinstance(node.value, ast.Constant) and node.value.value is False)]
    assert hits == []


def test_no_subprocess_network_or_unpickling_modules():
    hits = []
    for path, tree in trees():
        for module, line in imported_modules(tree):
            top = module.split(".")[0]
            if top in FORBIDDEN_MODULES and (path, top) not in JUSTIFIED_IMPORTS:
                hits.append(f"{path}:{line} imports {module}")
            elif top == "ctypes" and (path, top) not in JUSTIFIED_IMPORTS:
                hits.append(f"{path}:{line} imports {module} without a justification")
    assert hits == []


def test_no_unsafe_yaml_loading_shell_helpers_or_mktemp():
    hits = []
    for path, tree in trees():
        for node in ast.walk(tree):
            name = dotted(node) if isinstance(node, ast.Attribute) else None
            if name and tuple(name.rsplit(".", 1)) in FORBIDDEN_ATTRIBUTES and (path, name) not in JUSTIFIED_CALLS:
                hits.append(f"{path}:{node.lineno} {name}")
            if isinstance(node, ast.ImportFrom) and node.module in ("yaml", "os", "tempfile"):
                hits += [f"{path}:{node.lineno} from {node.module} import {a.name}" for a in node.names
                         if (node.module, a.name) in FORBIDDEN_ATTRIBUTES]
    assert hits == []


def test_ruamel_is_only_used_round_trip_or_safe():
    hits = []
    for path, tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and dotted(node.func) in ("YAML", "ruamel.yaml.YAML"):
                for keyword in node.keywords:
                    if keyword.arg == "typ" and not (isinstance(keyword.value, ast.Constant)
                                                     and keyword.value.value in ("rt", "safe")):
                        hits.append(f"{path}:{node.lineno}")
    assert hits == []


def test_git_is_only_reached_through_gitpython_in_git_py():
    hits = [f"{path}:{line} imports {module}" for path, tree in trees() for module, line in imported_modules(tree)
            if module.split(".")[0] in ("git", "gitdb", "dulwich", "pygit2") and path not in GIT_MODULES]
    assert hits == []


def test_dynamic_imports_only_name_validator_modules_from_fixed_tables():
    """importlib.import_module only with `validator.` f-strings (argparse choices) or a module-level table."""
    hits = []
    for path, tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and dotted(node.func) == "importlib.import_module":
                arg = node.args[0]
                fixed_prefix = (isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant)
                                and str(arg.values[0].value).startswith("validator."))
                table = isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) and arg.value.id.isupper()
                if not (fixed_prefix or table):
                    hits.append(f"{path}:{node.lineno}")
    assert hits == []


def test_environment_variables_only_from_the_allowlist():
    """No output can echo a secret from the environment: only these names are ever read."""
    hits = []
    for path, tree in trees():
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and dotted(node) in ("os.environ", "os.getenv", "os.environb")):
                continue
            parent = parents.get(node)
            name = None
            if isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Constant):
                name = parent.slice.value
            elif isinstance(parent, ast.Call) and dotted(node) == "os.getenv" and parent.args:
                name = getattr(parent.args[0], "value", None)
            elif isinstance(parent, ast.Attribute) and parent.attr == "get":
                call = parents.get(parent)
                if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant):
                    name = call.args[0].value
            if not (isinstance(name, str) and (name in ENVIRONMENT or name.startswith("DUTYGUARD_"))):
                hits.append(f"{path}:{node.lineno} reads the environment ({name!r})")
    assert hits == []


def test_files_are_written_only_by_the_atomic_writers():
    hits = []
    for path, tree in trees():
        if path in WRITERS:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = dotted(node.func) or ""
            attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if attr in ("write_text", "write_bytes", "unlink", "rmdir", "rename", "replace", "touch", "mkdir") \
                    and not name.startswith(("str.", "re.")) and name not in ("os.environ.replace",):
                if not _is_str_replace(node):
                    hits.append(f"{path}:{node.lineno} {name or attr}()")
            if name == "os.open":
                flags = ast.unparse(node.args[1]) if len(node.args) > 1 else ""
                if not flags or any(f in flags for f in ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")):
                    hits.append(f"{path}:{node.lineno} os.open({flags!r})")
            elif name in ("open", "io.open", "os.fdopen") or attr == "open":
                mode = _open_mode(node)
                if mode is None or any(flag in mode for flag in "wax+"):
                    hits.append(f"{path}:{node.lineno} {name or attr}({mode!r})")
            if name.startswith("shutil.") and name not in ("shutil.which", "shutil.get_terminal_size"):  # (they read)
                hits.append(f"{path}:{node.lineno} {name}()")
    assert hits == []


def _is_str_replace(node: ast.Call) -> bool:
    """`text.replace("a", "b")` or `moment.replace(tzinfo=UTC)`: not `Path.replace(target)`, a rename."""
    return (isinstance(node.func, ast.Attribute) and node.func.attr == "replace"
            and not (len(node.args) == 1 and not node.keywords))


def _open_mode(node: ast.Call) -> str | None:
    mode: ast.AST | None = node.args[1] if len(node.args) > 1 else None
    for keyword in node.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return "r"
    return mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else None


def test_jinja_templates_escape_every_value():
    hits = []
    for path, tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and dotted(node.func) in ("Environment", "jinja2.Environment"):
                keywords = {k.arg: k.value for k in node.keywords}
                autoescape = keywords.get("autoescape")
                escapes = "finalize" in keywords or (autoescape is not None and not (
                    isinstance(autoescape, ast.Constant) and autoescape.value is False))
                if not escapes:
                    hits.append(f"{path}:{node.lineno}")
    assert hits == []


def test_ruff_security_rules_pass_on_the_package():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"S"' in config, "the security rules (S) must be selected in pyproject.toml"
    proc = subprocess.run([ruff, "check", "--no-cache", "--output-format", "concise", "validator"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- dynamic -----------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted in a test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.mark.parametrize("verb", [("validate", "--format", "json"), ("access", "--format", "json"),
                                  ("validate", "--format", "sarif"), ("schema",), ("explain", "ACC003")])
def test_verbs_open_no_socket(no_network, verb):
    result = run_cli(*verb, repo=ROOT, now=NOW)
    assert result.code in (0, 1), result.err
    assert no_network == []


@pytest.mark.parametrize("ref", ["--upload-pack=touch /tmp/pwned", "-x", "HEAD..main", "HEAD:ownership",
                                 "ma in", "ref\nwith-newline", "*", "refs/heads/x.lock", "a/../b"])
def test_hostile_git_refs_are_refused_before_git_runs(tmp_path, ref, monkeypatch):
    import validator.git as gitmodule

    opened = []
    monkeypatch.setattr(gitmodule, "open_repo", lambda root: opened.append(root))
    for argv in (("diff", ref, "--format", "json"), ("validate", "--baseline", ref)):
        result = run_cli(*argv, repo=ROOT, now=NOW)
        assert result.code == 2, (argv, result.out, result.err)
        assert "Traceback" not in result.err and result.err.count("\n") == 1
        assert "\n" not in result.err.rstrip("\n")
    assert opened == []
    assert not Path("/tmp/pwned").exists()


# --- the checks themselves catch what they claim to ---------------------------------------------------

BAD = {
    test_no_eval_exec_compile_or_dynamic_import_builtin: "eval(text)\n",
    test_no_shell_true_anywhere: "run(['ls'], shell=True)\n",
    test_no_subprocess_network_or_unpickling_modules: "import urllib.request\nfrom subprocess import run\n",
    test_no_unsafe_yaml_loading_shell_helpers_or_mktemp: "yaml.load(text, Loader=yaml.Loader)\nos.system('x')\n",
    test_ruamel_is_only_used_round_trip_or_safe: "YAML(typ='unsafe')\n",
    test_git_is_only_reached_through_gitpython_in_git_py: "import git\n",
    test_dynamic_imports_only_name_validator_modules_from_fixed_tables: "importlib.import_module(name)\n",
    test_environment_variables_only_from_the_allowlist: "os.environ.get('AWS_SECRET_ACCESS_KEY')\n",
    test_files_are_written_only_by_the_atomic_writers: "Path(p).write_text(t)\nopen(p, 'w')\nshutil.rmtree(d)\n"
                                                       "os.open(p, os.O_WRONLY | os.O_CREAT)\n",
    test_jinja_templates_escape_every_value: "Environment(loader=x)\n",
}


@pytest.mark.parametrize("check", list(BAD), ids=lambda check: check.__name__)
def test_each_static_check_catches_a_violation(monkeypatch, check):
    monkeypatch.setattr(sys.modules[__name__], "trees", lambda: [("validator/bad.py", ast.parse(BAD[check]))])
    with pytest.raises(AssertionError):
        check()
