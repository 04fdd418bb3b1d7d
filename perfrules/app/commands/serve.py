"""``perfrules serve``: the web API and the ruleset studio (needs the ``serve`` extra)."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("serve", help="启动网页工作台与 JSON 接口（默认只在本机 127.0.0.1 可访问）")
    p.add_argument("--host", default="127.0.0.1", help="监听地址；非本机地址必须同时给出 --token")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--rulesets", metavar="DIR", help="可编辑、可保存的规则集文件夹（优先于内置规则集）")
    p.add_argument("--corpus", metavar="DIR", help="「影响」页重新计分的自评表文件夹")
    p.add_argument("--token", help="访问令牌：接口需 Authorization: Bearer 令牌，网页需打开 /?token=令牌")
    return p


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    import os

    from perfrules.app.cli import EXIT_INPUT, EXIT_OK

    try:
        from perfrules.serve.security import is_loopback
        import uvicorn
    except ImportError:
        stderr.write("perfrules serve 需要网页组件：pip install 'perfrules[serve]'\n")
        return EXIT_INPUT
    if not is_loopback(args.host) and not args.token:
        stderr.write(f"拒绝启动：--host {args.host} 不是本机地址，别的电脑也能访问，必须同时给出 --token 令牌。\n"
                     "只在本机使用时请省略 --host（默认 127.0.0.1）。\n")
        return EXIT_INPUT
    for flag, folder in (("--rulesets", args.rulesets), ("--corpus", args.corpus)):
        if folder is not None and not os.path.isdir(folder):
            stderr.write(f"{flag} {folder}：不是文件夹\n")
            return EXIT_INPUT
    from perfrules.serve.app import ServeConfig, create_app

    config = ServeConfig(args.host, args.port, args.rulesets and os.path.abspath(args.rulesets),
                         args.corpus and os.path.abspath(args.corpus), args.token)
    stdout.write(f"perfrules 工作台：http://{args.host}:{args.port}/" + (f"?token={args.token}" if args.token else "")
                 + "\n按 Ctrl+C 停止。\n")
    stdout.flush()
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")
    return EXIT_OK
