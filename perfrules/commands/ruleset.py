"""``perfrules ruleset list|show|diff``: what rulesets there are, what one says, how two differ."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("ruleset", help="列出、查看、比较规则集")
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)
    actions.add_parser("list", help="列出全部内置规则集")
    show = actions.add_parser("show", help="显示规则集；--resolved 显示合并继承链后的生效内容及每项的来源")
    show.add_argument("ruleset", help="规则集编号或文件")
    show.add_argument("--resolved", action="store_true", help="显示生效内容与来源（哪一层、哪个文件哪一行）")
    diff = actions.add_parser("diff", help="比较两个规则集（或两个年度）生效内容的差别")
    diff.add_argument("a", help="规则集编号或文件")
    diff.add_argument("b", help="规则集编号或文件")
    return p


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from perfrules.cli import EXIT_OK
    from perfrules.loader import load_ruleset, resolve_ruleset_path, ruleset_index
    from perfrules.rulesetview import describe, diff, listing

    if args.action == "list":
        stdout.write(listing(ruleset_index()))
    elif args.action == "show":
        if args.resolved:
            stdout.write(describe(load_ruleset(args.ruleset)))
        else:
            path = resolve_ruleset_path(args.ruleset)
            with open(path, encoding="utf-8-sig") as fh:
                stdout.write(f"# {path}\n{fh.read()}")
    else:
        stdout.write(diff(load_ruleset(args.a), load_ruleset(args.b)))
    return EXIT_OK
