"""``perfrules schema``: print a JSON Schema shipped with the package (for editors and tools)."""

from __future__ import annotations

import argparse
from typing import IO, Any

NAMES = ("ruleset", "submission", "result")


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("schema", help="输出规则集、自评表或结果的 JSON Schema（供编辑器校验和补全）")
    p.add_argument("name", choices=NAMES, help="ruleset、submission 或 result")
    return p


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    import importlib.resources

    from perfrules.app.cli import EXIT_INPUT, EXIT_OK

    resource = importlib.resources.files("perfrules").joinpath("schemas", f"{args.name}.schema.json")
    if not resource.is_file():
        stderr.write(f"本版本没有 {args.name} 的 JSON Schema\n")
        return EXIT_INPUT
    stdout.write(resource.read_text(encoding="utf-8"))
    return EXIT_OK
