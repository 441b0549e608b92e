"""`python -m papershelf {claims,sync,new,docs}`: the repository's own tooling, run by nox."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from papershelf.catalog import FRAMEWORKS, discover, papers_table, sync, verdicts
from papershelf.claims import ClaimsError, render_table
from papershelf.scaffold import new_paper
from papershelf.site import build_sources


def cmd_claims(root: Path) -> int:
    """Print every paper's verdict table. Fails on a malformed file or missing metric only."""
    print(papers_table(root))
    for paper in discover(root):
        vs = verdicts(paper)
        print(f"## {paper.slug}: {paper.title}\n")
        print(render_table(vs) if vs is not None else "(no results/full.json yet)\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="papershelf")
    p.add_argument("--root", type=Path, default=Path("."), help="repository root")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("claims", help="check every claims.toml against committed results")
    s = sub.add_parser("sync", help="regenerate the README tables from metadata and results")
    s.add_argument("--check", action="store_true", help="fail if a committed table is stale")
    n = sub.add_parser("new", help="scaffold papers/<slug>/ from the template")
    n.add_argument("slug")
    n.add_argument("title")
    n.add_argument("--framework", choices=FRAMEWORKS, default="numpy")
    d = sub.add_parser("docs", help="generate the site's Markdown sources")
    d.add_argument("--out", type=Path, default=Path("docs/_generated"))
    args = p.parse_args(argv)
    try:
        if args.command == "claims":
            return cmd_claims(args.root)
        if args.command == "sync":
            changed = sync(args.root, check=args.check)
            for path in changed:
                verb = "stale" if args.check else "updated"
                print(f"{verb}: {path}", file=sys.stderr)
            if args.check and changed:
                print("run `nox -s sync` and commit the result", file=sys.stderr)
                return 1
            return 0
        if args.command == "new":
            dest = new_paper(args.root, args.slug, args.title, args.framework)
            print(f"created {dest}; next: nox -s 'tests({args.slug})'")
            return 0
        if args.command == "docs":
            print(build_sources(args.root, args.out))
            return 0
    except (ClaimsError, ValueError, FileExistsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
