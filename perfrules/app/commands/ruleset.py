"""``perfrules ruleset list|show|diff|export|import``: what rulesets there are, what one says,
how two differ, and the round trip through an Excel workbook for staff who edit in Excel."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("ruleset", help="列出、查看、比较规则集；与 Excel 工作簿互相转换")
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)
    actions.add_parser("list", help="列出全部内置规则集")
    show = actions.add_parser("show", help="显示规则集；--resolved 显示合并继承链后的生效内容及每项的来源")
    show.add_argument("ruleset", help="规则集编号或文件")
    show.add_argument("--resolved", action="store_true", help="显示生效内容与来源（哪一层、哪个文件哪一行）")
    diff = actions.add_parser("diff", help="比较两个规则集（或两个年度）生效内容的差别")
    diff.add_argument("a", help="规则集编号或文件")
    diff.add_argument("b", help="规则集编号或文件")
    export = actions.add_parser("export", help="把一个规则集（本层，连同用例）导出为 Excel 工作簿，便于编辑")
    export.add_argument("ruleset", help="规则集编号或文件")
    export.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
    book = actions.add_parser("import", help="把编辑过的 Excel 工作簿导入为规则集 TOML（用例写到旁边的 .cases.toml）")
    book.add_argument("workbook", help="perfrules ruleset export 导出的 .xlsx 文件")
    book.add_argument("-o", "--output", required=True, help="输出的规则集 .toml 文件")
    return p


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from perfrules.app.cli import EXIT_OK
    from perfrules.ruleset.loader import load_ruleset, resolve_ruleset_path, ruleset_index
    from perfrules.ruleset.view import describe, diff, listing

    if args.action == "list":
        stdout.write(listing(ruleset_index()))
    elif args.action == "show":
        if args.resolved:
            stdout.write(describe(load_ruleset(args.ruleset)))
        else:
            path = resolve_ruleset_path(args.ruleset)
            with open(path, encoding="utf-8-sig") as fh:
                stdout.write(f"# {path}\n{fh.read()}")
    elif args.action == "export":
        from perfrules.rulesetbook import export_workbook

        export_workbook(args.ruleset, args.output)
        stdout.write(f"已导出到 {args.output}\n")
    elif args.action == "import":
        from perfrules.rulesetbook import import_workbook

        for path in import_workbook(args.workbook, args.output):
            stdout.write(f"已写出 {path}\n")
    else:
        stdout.write(diff(load_ruleset(args.a), load_ruleset(args.b)))
    return EXIT_OK
