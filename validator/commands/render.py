"""`dutyguard render pagerduty|iam|codeowners|site|backstage|incidentio`: the validated repository as real
configuration, as a catalog for Backstage or incident.io, or as a site."""

from __future__ import annotations

import argparse
from pathlib import Path

MARKER = ".dutyguard-render"   # written into every rendered directory; only such a directory is replaced

TARGETS = {
    "pagerduty": ("PagerDuty REST API v2 bodies, or Terraform JSON for the pagerduty provider", ("api", "terraform")),
    "iam": ("AWS IAM policy documents, or Terraform JSON for AWS IAM Identity Center", ("json", "terraform")),
}
# renders with one format: target -> (help, module of validator.render, function)
CATALOGS = {
    "backstage": ("Backstage catalog entities (catalog-info.yaml: Group, User, Component)",
                  "backstage", "render_backstage"),
    "incidentio": ("an incident.io catalog-importer configuration with its entries (teams, services, escalations)",
                   "incidentio", "render_incidentio"),
}


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="target", metavar="TARGET")
    sub.required = True
    for target, (help_text, formats) in TARGETS.items():
        target_parser = sub.add_parser(target, help=help_text, description=help_text)
        target_parser.add_argument("--out", required=True, metavar="DIR",
                                   help="output directory, replaced as a whole (atomically)")
        target_parser.add_argument("--format", choices=formats, default=formats[0],
                                   help=f"{formats[0]} (default) or {formats[1]}")
    _configure_site(sub)
    for target, (help_text, _, _) in CATALOGS.items():
        catalog_parser = sub.add_parser(target, help=help_text, description=help_text)
        catalog_parser.add_argument("--out", required=True, metavar="DIR",
                                    help="output directory, replaced as a whole (atomically)")
    owners = sub.add_parser("codeowners", help="a CODEOWNERS file from services' paths and owners",
                            description="a CODEOWNERS file from services' paths and owning teams")
    owners.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    owners.add_argument("--org", metavar="ORG", help="GitHub organisation of the team handles "
                        "(default: github_org in policy/settings.yaml)")


def run(args: argparse.Namespace) -> int:
    import sys

    from validator.commands.common import repo_root, validated
    from validator.render.base import RenderError

    root = repo_root(args)
    out = _checked_out(root, args)
    github_org = _github_org_flag(args)
    result = validated(args)
    if result.has_errors and args.target != "site":  # the site shows the errors instead
        _refuse(result, sys.stderr)
        return 1
    try:
        return _render(args, result, out, github_org)
    except RenderError as err:
        print(f"dutyguard: render refused: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        from validator.findings import UsageError

        raise UsageError(f"cannot write --out {args.out}: {err.strerror or err}") from None


def _render(args: argparse.Namespace, result, out: Path | None, github_org: str | None) -> int:
    from validator.render.atomic import write_file_atomic, write_tree_atomic

    org, now = result.org, result.context.now
    if args.target == "site":
        from validator.render.site import render_site

        files = render_site(result, _site_repository(args, org.settings.github_org))
        files[MARKER] = b"rendered by dutyguard: render site\nthis directory is replaced as a whole on every render\n"
        assert out is not None
        write_tree_atomic(out, files)
        return 0
    if args.target == "codeowners":
        from validator.findings import UsageError
        from validator.render.codeowners import render_codeowners

        github_org = github_org or org.settings.github_org
        if not github_org:
            raise UsageError("render codeowners needs a GitHub organisation for the team handles: pass --org ORG "
                             "or set 'github_org: ORG' in policy/settings.yaml")
        data = render_codeowners(org, github_org)
        if out is None:
            import sys

            sys.stdout.write(data.decode("utf-8"))
        else:
            write_file_atomic(out, data)
        return 0
    if args.target in CATALOGS:
        import importlib

        _, module, function = CATALOGS[args.target]
        render = getattr(importlib.import_module(f"validator.render.{module}"), function)
    elif args.target == "pagerduty":
        from validator.render import pagerduty

        render = pagerduty.render_pagerduty_api if args.format == "api" else pagerduty.render_pagerduty_terraform
    else:
        from validator.render import iam

        render = iam.render_iam_json if args.format == "json" else iam.render_iam_terraform
    files = render(org, now)
    fmt = f" --format {args.format}" if getattr(args, "format", None) else ""
    files[MARKER] = (f"rendered by dutyguard: render {args.target}{fmt}\n"
                     "this directory is replaced as a whole on every render\n").encode()
    assert out is not None
    write_tree_atomic(out, files)
    return 0


def _configure_site(sub) -> None:
    help_text = "a static HTML site: services, on-call coverage, load per person, access matrix, findings"
    site = sub.add_parser("site", help=help_text, description=help_text + " (renders even with errors, and "
                          "shows them)")
    site.add_argument("--out", required=True, metavar="DIR", help="output directory, replaced as a whole (atomically)")
    site.add_argument("--repository", metavar="NAME", help="the repository on GitHub, for links to the findings' "
                      "files: NAME (in Settings github_org) or OWNER/NAME; in GitHub Actions: \"$GITHUB_REPOSITORY\"")
    site.add_argument("--ref", metavar="REF", default="HEAD", help="branch, tag or commit the file links point at "
                      "(default: HEAD; in GitHub Actions: \"$GITHUB_SHA\")")


def _site_repository(args: argparse.Namespace, github_org: str | None):
    """Where the site's file links point (--repository, --ref); None: no links. The environment is not read, so
    the site depends on the repository, --now and the flags only."""
    import re

    from validator.findings import UsageError
    from validator.render.site import Repository

    ref = args.ref
    if not re.fullmatch(r"[A-Za-z0-9._/-]{1,200}", ref) or ".." in ref or ref.startswith(("-", "/")):
        raise UsageError(f"--ref '{ref}' is not a git branch, tag or commit name")
    if args.repository is None:
        return None
    owner, _, name = args.repository.rpartition("/")
    owner = owner or github_org or ""
    if not owner:
        raise UsageError(f"--repository '{args.repository}' needs its owner: pass OWNER/NAME or set 'github_org: "
                         "ORG' in policy/settings.yaml")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}", owner) or not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", name) \
            or name in (".", ".."):
        raise UsageError(f"--repository '{args.repository}' is not a GitHub repository name (NAME with github_org "
                         "in Settings, or OWNER/NAME)")
    return Repository(owner, name, ref)


def _github_org_flag(args: argparse.Namespace) -> str | None:
    import re

    from validator.findings import UsageError

    value = getattr(args, "org", None)
    if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}", value):
        raise UsageError(f"--org '{value}' is not a GitHub organisation name (letters, digits and '-')")
    return value


def _checked_out(root: Path, args: argparse.Namespace) -> Path | None:
    """The output path, refused (usage error) where writing it could destroy something."""
    from validator.findings import UsageError

    if args.out is None or args.out == "-":
        if args.target != "codeowners":
            raise UsageError(f"render {args.target} needs --out DIR")
        return None
    from validator.commands.common import refuse_output_in_repository

    out = Path(args.out).absolute()
    refuse_output_in_repository(root, out)
    if args.target == "codeowners":
        if out.is_dir():
            raise UsageError(f"--out {args.out} is a directory: give the CODEOWNERS file path, e.g. "
                             ".github/CODEOWNERS")
        return out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out} is a file: render {args.target} writes a directory")
    try:
        foreign = out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file()
    except OSError as err:
        raise UsageError(f"--out {args.out} cannot be read: {err.strerror or err}") from None
    if foreign:
        raise UsageError(f"--out {args.out} is a directory that dutyguard did not render (no {MARKER} in it), "
                         "and rendering replaces it as a whole: choose a new or empty directory")
    return out


def _refuse(result, stream) -> None:
    from validator.report.text import summary

    for finding in result.findings:
        if finding.severity == "error":
            where = f"{finding.path}:{finding.line}" if finding.path else "(repository)"
            stream.write(f"{where}: error {finding.rule} {finding.entity}: {finding.message}\n")
    stream.write(summary(result) + "\n")
    stream.write("dutyguard: render refused: fix the errors above first (`dutyguard validate`); nothing was "
                 "written\n")
