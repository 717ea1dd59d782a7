"""`dutyguard lsp` end to end: the real program in a subprocess, driven by pytest-lsp's client
(pygls' LanguageClient) over standard input/output, as an editor would."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls import uris
from pytest_lsp import ClientServerConfig, client_capabilities

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-23T12:00:00Z"
SERVICES = "ownership/services/commerce.yaml"
ROTATIONS = "ownership/rotations/payments.yaml"
GRANTS = "policy/grants/grants.yaml"


def copy_example(target: Path) -> Path:
    for top in ("ownership", "policy"):
        shutil.copytree(ROOT / top, target / top)
    return target


async def start(repo: Path, *extra: str, options: dict | None = None):
    command = [sys.executable, "-m", "validator", "--repo", str(repo), *extra, "lsp"]
    client = await ClientServerConfig(server_command=command).start()
    client_of_waits[:] = [client]
    client.registrations = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:  # as an editor does: it watches the files
        client.registrations.extend(params.registrations)

    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=uris.from_fs_path(str(repo)),
        initialization_options=options))
    return client


@pytest_asyncio.fixture
async def repo(tmp_path):
    return copy_example(tmp_path / "repo")


@pytest_asyncio.fixture
async def client(repo):
    client = await start(repo, options={"now": NOW})
    await wait_until(lambda: any(d for d in client.diagnostics.values()))  # the start-up check is published
    yield client
    await client.shutdown_session()
    await client.stop()


def uri(repo: Path, path: str) -> str:
    return uris.from_fs_path(str(repo / path))


async def wait_until(condition, timeout: float = 60.0) -> None:
    """Wait for the server's diagnostics until `condition()` holds: each step waits for the next
    publishDiagnostics notification (no fixed sleeps)."""
    while not condition():
        await asyncio.wait_for(client_of_waits[0].wait_for_notification("textDocument/publishDiagnostics"), timeout)


client_of_waits: list = []


def open_doc(client, repo: Path, path: str, text: str | None = None) -> str:
    text = (repo / path).read_text() if text is None else text
    doc_uri = uri(repo, path)
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=doc_uri, language_id="yaml", version=1, text=text)))
    return doc_uri


def change(client, doc_uri: str, text: str, version: int = 2) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=doc_uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def codes(client, doc_uri: str) -> list[str]:
    return [str(d.code) for d in client.diagnostics.get(doc_uri, [])]


def position_of(text: str, needle: str, offset: int = 0) -> types.Position:
    for number, line in enumerate(text.split("\n")):
        if needle in line:
            return types.Position(line=number, character=line.index(needle) + offset)
    raise AssertionError(needle)


@pytest.mark.asyncio
async def test_diagnostics_follow_the_unsaved_text_and_clear_when_fixed(client, repo) -> None:
    text = (repo / SERVICES).read_text()
    doc = open_doc(client, repo, SERVICES)
    broken = text.replace("owner: payments", "owner: paymnets", 1)
    change(client, doc, broken)
    await wait_until(lambda: "SCH005" in codes(client, doc))
    diagnostic = next(d for d in client.diagnostics[doc] if d.code == "SCH005")
    assert diagnostic.range.start.line == position_of(broken, "owner: paymnets").line
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert "did you mean payments" in diagnostic.message
    assert diagnostic.related_information and "SCH005" in diagnostic.related_information[0].message
    # nothing was written to disk: the finding comes from the editor's text
    assert (repo / SERVICES).read_text() == text
    change(client, doc, text, version=3)
    await wait_until(lambda: "SCH005" not in codes(client, doc))


@pytest.mark.asyncio
async def test_a_yaml_syntax_error_mid_typing_is_a_diagnostic_and_the_server_keeps_working(client, repo) -> None:
    text = (repo / SERVICES).read_text()
    doc = open_doc(client, repo, SERVICES)
    change(client, doc, text.replace("tier: 1", "tier: [1", 1))
    await wait_until(lambda: "SCH001" in codes(client, doc))
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc), position=position_of(text, "owner: payments", 8)))
    assert hover is not None and "payments" in hover.contents.value


@pytest.mark.asyncio
async def test_a_fix_in_one_file_clears_the_finding_published_for_another_file(client, repo) -> None:
    teams = next(p for p in (repo / "ownership/teams").iterdir() if "id: payments\n" in p.read_text())
    team_text = teams.read_text()
    renamed = team_text.replace("id: payments\n", "id: paymentz\n")
    doc = open_doc(client, repo, teams.relative_to(repo).as_posix(), renamed)
    services = uri(repo, SERVICES)  # never opened: its findings are published all the same
    await wait_until(lambda: "SCH005" in codes(client, services))
    change(client, doc, team_text)
    await wait_until(lambda: "SCH005" not in codes(client, services))


@pytest.mark.asyncio
async def test_hover_shows_who_is_on_call_a_persons_access_and_a_waived_rule(client, repo) -> None:
    text = (repo / ROTATIONS).read_text()
    doc = open_doc(client, repo, ROTATIONS)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc), position=position_of(text, "id: payments-primary", 5)))
    assert "On call now (2026-11-23 12:00 UTC)" in hover.contents.value
    assert "Next hand-off" in hover.contents.value
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc), position=position_of(text, "members: [alice", 10)))
    assert "person:alice" in hover.contents.value and "Effective access" in hover.contents.value
    assert "checkout-deploy" in hover.contents.value
    settings = (repo / "policy/settings.yaml").read_text()
    sdoc = open_doc(client, repo, "policy/settings.yaml")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=sdoc), position=position_of(settings, "rule: ACC010", 7)))
    assert "ACC010" in hover.contents.value and "nobody" in hover.contents.value


@pytest.mark.asyncio
async def test_definition_and_references_of_an_id(client, repo) -> None:
    text = (repo / SERVICES).read_text()
    doc = open_doc(client, repo, SERVICES)
    place = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=doc), position=position_of(text, "owner: payments", 9)))
    teams_file = next(p for p in (repo / "ownership/teams").iterdir() if "id: payments\n" in p.read_text())
    assert place.uri == uris.from_fs_path(str(teams_file))
    assert teams_file.read_text().split("\n")[place.range.start.line].strip().endswith("id: payments")
    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=doc), position=position_of(text, "owner: payments", 9),
        context=types.ReferenceContext(include_declaration=True)))
    found = {(Path(uris.to_fs_path(r.uri)).relative_to(repo).as_posix(), r.range.start.line) for r in refs}
    assert (SERVICES, position_of(text, "owner: payments").line) in found
    assert any(path == GRANTS for path, _ in found)  # to: [team:payments]
    # a rotation named in an escalation level
    esc = "ownership/escalations/escalations.yaml"
    esc_text = (repo / esc).read_text()
    edoc = open_doc(client, repo, esc)
    place = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=edoc),
        position=position_of(esc_text, "rotation:payments-primary", 12)))
    assert place.uri == uri(repo, ROTATIONS)


@pytest.mark.asyncio
async def test_completion_offers_ids_of_the_right_kind_kinds_and_fields(client, repo) -> None:
    doc = open_doc(client, repo, "ownership/services/new.yaml", "kind: Service\nid: x\nowner: pay\n")

    async def complete(line: int, character: int) -> list[str]:
        result = await client.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=doc),
            position=types.Position(line=line, character=character)))
        return [item.label for item in result.items]

    assert "payments" in await complete(2, 10)
    assert "alice" not in await complete(2, 10)
    change(client, doc, "kind: Serv\n")
    assert await complete(0, 10) == ["Service"]
    change(client, doc, "kind: Service\nid: x\nesc\n", version=3)
    assert "escalation" in await complete(2, 3)
    change(client, doc, "kind: Escalation\nid: x\nlevels:\n  - {targets: [rot\n", version=4)
    labels = await complete(3, 18)
    assert "rotation:payments-primary" in labels and all(label.startswith("rotation:") for label in labels)


@pytest.mark.asyncio
async def test_files_changed_on_disk_are_read_again(client, repo) -> None:
    text = (repo / SERVICES).read_text()
    doc = uri(repo, SERVICES)
    await wait_until(lambda: client.registrations)
    watch = client.registrations[0]
    assert watch.method == "workspace/didChangeWatchedFiles"
    assert watch.register_options["watchers"][0]["globPattern"].endswith("**/*.{yaml,yml}")
    (repo / SERVICES).write_text(text.replace("escalation: payments-critical", "escalation: nowhere", 1))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=doc, type=types.FileChangeType.Changed)]))
    await wait_until(lambda: "SCH005" in codes(client, doc))
    (repo / SERVICES).unlink()  # a checkout that deletes the file
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=doc, type=types.FileChangeType.Deleted)]))
    await wait_until(lambda: codes(client, doc) == [])


@pytest.mark.asyncio
async def test_findings_that_depend_on_now_are_refreshed(client, repo) -> None:
    # the waivers expire on 2028-06-30: a refresh at a later time turns them into WVR001 errors
    doc = uri(repo, "policy/settings.yaml")
    assert "WVR001" not in codes(client, doc)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="dutyguard.refresh", arguments=["2028-07-15T00:00:00Z"]))
    assert result["now"].startswith("2028-07-15")
    await wait_until(lambda: "WVR001" in codes(client, doc))
    client.protocol.notify("dutyguard/setNow", {"now": NOW})
    await wait_until(lambda: "WVR001" not in codes(client, doc))


@pytest.mark.asyncio
async def test_now_from_the_global_option_and_a_clean_shutdown(repo) -> None:
    client = await start(repo, "--now", "2028-07-15T00:00:00Z")
    doc = uri(repo, "policy/settings.yaml")
    await wait_until(lambda: "WVR001" in codes(client, doc))
    await client.shutdown_session()
    await client.stop()
    assert client._server.returncode == 0  # exit after shutdown: a clean exit


def test_a_malformed_message_is_one_line_on_stderr_never_a_traceback(repo) -> None:
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "validator", "--repo", str(repo), "--now", NOW, "lsp"],
                          input=b"Content-Length: 5\r\n\r\n{bad}", capture_output=True, timeout=120)
    assert proc.returncode == 0
    assert b"Traceback" not in proc.stderr
    assert b"dutyguard lsp: error: Unable to handle message (JSONDecodeError" in proc.stderr
