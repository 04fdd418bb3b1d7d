"""``perfrules import``: a Word/Excel/text 自评表 → the canonical TOML, for staff to review."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "import", help="把 Word、Excel 或文本导出的自评表转成 TOML（每个值注明原表位置），供人工核对")
    p.add_argument("file", help="自评表文件（.docx .xlsx .txt .csv …）")
    p.add_argument("-o", "--output", help="写入的 TOML 文件；缺省时输出到屏幕")
    return p


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from perfrules.app.cli import EXIT_OK, emit
    from perfrules.readers import read_submission
    from perfrules.readers.export import submission_to_toml

    submission = read_submission(args.file)
    emit(submission_to_toml(submission), args.output, stdout)
    rows = sum(1 for r in submission.indicators if not r.is_blank)
    where = f"，已写入 {args.output}" if args.output else ""
    stderr.write(f"读取方式 {submission.reader}：{rows} 个指标{where}\n")
    return EXIT_OK
