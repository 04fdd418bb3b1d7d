"""The ASGI application: routes, guards and the JSON shape of every answer.

Every request's input problem comes back as JSON with the CLI's position (400/413/415),
never a 500 page; a bug comes back as a short JSON 500 that says it is a bug.

A handler reads its request on the event loop, then does its work (reading, scoring,
rendering, loading and checking rulesets) in a worker thread (:meth:`Api._work`): done on the
loop, one upload being scored held every other request, the studio page included, until
it was done (a 4,800-row table scored to xlsx: a GET of /api/csrf waited 10.7 s).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import perfrules
from perfrules.errors import PerfrulesError
from perfrules.limits import MAX_FILE_BYTES, MAX_TEXT_FILE_BYTES
from perfrules.output import write_atomic
from perfrules.serve import work
from perfrules.serve.openapi import document
from perfrules.serve.security import CSRF_HEADER, TOKEN_COOKIE, Guard, is_loopback, same_origin
from perfrules.serve.uploads import quote_name, renamed, safe_name, scrub

_T = TypeVar("_T")

#: Requests whose work runs at once, each in a thread of its own.  More would not score
#: faster (one interpreter lock) but each would hold its upload (up to 50 MB) and what
#: was read from it; the rest wait their turn, and the event loop answers meanwhile.
WORKERS = 4

Handler = Callable[[Request], Awaitable[Response]]
STATIC = Path(str(resources.files("perfrules.serve") / "static"))
FORMATS = {"json": "application/json", "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
           "text": "text/plain; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@attrs.frozen
class ServeConfig:
    """What ``perfrules serve`` was started with."""

    host: str = "127.0.0.1"
    port: int = 8000
    rulesets: str | None = None  # the one folder the studio may write to; searched before the bundled rulesets
    corpus: str | None = None  # the 自评表 folder the 影响 page re-scores
    token: str | None = None

    @property
    def search(self) -> tuple[str, ...]:
        return (self.rulesets,) if self.rulesets else ()


class Problem(Exception):
    """An HTTP answer other than 200, with a Chinese message."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def _problem(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "file": None, "line": None, "column": None,
                                   "hint": "", **extra}}, status_code=status)


class Api:
    """The routes, bound to one configuration and one guard."""

    def __init__(self, config: ServeConfig, guard: Guard) -> None:
        self.config, self.guard = config, guard
        self.corpus = work.Corpus(config.corpus)
        self._workers: anyio.CapacityLimiter | None = None  # made in the event loop, on first use

    async def _work(self, fn: Callable[..., _T], *args: Any) -> _T:
        """*fn(*args)* in a worker thread (at most :data:`WORKERS` at once), so the event loop
        goes on answering other requests."""
        if self._workers is None:
            self._workers = anyio.CapacityLimiter(WORKERS)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._workers)

    # -- guards ---------------------------------------------------------------------
    def guarded(self, handler: Handler, write: bool) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                self._authorise(request, write)
                return await handler(request)
            except Problem as p:
                return _problem(p.status, p.message, **p.extra)
            except PerfrulesError as err:
                errors = [work.error_json(e) for e in work.flat_errors(err)]
                return JSONResponse({"error": errors[0], "errors": errors}, status_code=400)
            except (MultiPartException, HTTPException) as exc:  # a malformed or oversized form
                status = getattr(exc, "status_code", 400)
                return _problem(status, f"上传的表单无法读取：{getattr(exc, 'detail', None) or getattr(exc, 'message', exc)}")
            except Exception as exc:  # a bug: say so, no traceback to the client
                return _problem(500, f"perfrules 内部错误（这是程序的缺陷，不是输入的问题）：{type(exc).__name__}")
        return endpoint

    def _authorise(self, request: Request, write: bool) -> None:
        bearer = self.guard.bearer_ok(request.headers.get("authorization"))
        if self.guard.token and not (bearer or self.guard.cookie_ok(request.cookies.get(TOKEN_COOKIE))):
            raise Problem(401, "需要令牌：请在请求头加 Authorization: Bearer <令牌>")
        if write:
            if not same_origin(request.headers.get("origin"), request.headers.get("host")):
                raise Problem(403, "拒绝跨站请求（Origin 与本服务器不符）")
            if not bearer and not self.guard.csrf_ok(request.headers.get(CSRF_HEADER)):
                raise Problem(403, "缺少或错误的 CSRF 令牌：请从工作台页面操作，或在请求头加 X-Perfrules-CSRF"
                                   "（GET /api/csrf 取得）")

    # -- helpers --------------------------------------------------------------------
    async def _json_body(self, request: Request) -> dict[str, Any]:
        raw = await _read_capped(request, MAX_TEXT_FILE_BYTES)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Problem(400, f"请求体不是 UTF-8 的 JSON：{exc}") from None
        if not isinstance(data, dict):
            raise Problem(400, "请求体应当是 JSON 对象，如 {\"ruleset\": \"…\"}")
        return data

    def _path_of(self, rid: Any) -> str:
        """A ruleset id from a request → its file: ids only, looked up in the rulesets roots."""
        if not isinstance(rid, str) or not rid:
            raise Problem(400, "缺少规则集编号 id")
        index = work.index(self.config.search)
        if rid not in index:
            from perfrules.errors import did_you_mean
            raise Problem(404, f"找不到规则集「{rid}」", hint=did_you_mean(rid, index) or "")
        return index[rid]

    def _text(self, body: dict[str, Any], path: str | None) -> str:
        text = body.get("ruleset")
        if text is None and path is not None:
            return Path(path).read_text(encoding="utf-8-sig")
        if not isinstance(text, str):
            raise Problem(400, "ruleset 应当是规则集 TOML 全文（文字）")
        return text

    def _file_label(self, path: str | None) -> str:
        """A ruleset file as staff know it: relative to its rulesets folder, never the server's full path."""
        if path is None:
            return "<规则集>"
        for root in (*self.config.search, str(perfrules.bundled_dir())):
            if work.within(path, [root]):
                return os.path.relpath(os.path.realpath(path), os.path.realpath(root)).replace(os.sep, "/")
        return os.path.basename(path)

    # -- pages ----------------------------------------------------------------------
    async def studio(self, request: Request) -> Response:
        given = request.query_params.get("token")
        if self.guard.token and given is not None:
            resp: Response = RedirectResponse("/", status_code=303)
            if self.guard.cookie_ok(given):
                resp.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict")
            return resp
        if self.guard.token and not self.guard.cookie_ok(request.cookies.get(TOKEN_COOKIE)):
            return HTMLResponse("<!doctype html><meta charset=utf-8><p>需要令牌：请打开 /?token=令牌</p>", status_code=401)
        html = (STATIC / "studio.html").read_text(encoding="utf-8")
        html = html.replace("{{CSRF}}", self.guard.csrf).replace("{{VERSION}}", perfrules.__version__)
        return HTMLResponse(html, headers={
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                       "frame-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(document(perfrules.__version__))

    async def csrf(self, request: Request) -> Response:
        return JSONResponse({"csrf": self.guard.csrf, "header": "X-Perfrules-CSRF"})

    # -- API ------------------------------------------------------------------------
    async def rulesets(self, request: Request) -> Response:
        return await self._work(self._rulesets)

    def _rulesets(self) -> Response:
        out: list[dict[str, Any]] = []
        search = self.config.search
        for rid, path in sorted(work.index(search).items()):
            try:
                rs = perfrules.load_ruleset(path, search)
            except PerfrulesError as err:
                out.append({"id": rid, "error": work.error_json(err)})
                continue
            out.append({"id": rid, "name": rs.name, "jurisdiction": rs.jurisdiction, "year": rs.year,
                        "version": rs.version, "chain": list(rs.chain), "writable": self._writable(path)})
        return JSONResponse({"rulesets": out, "corpus": bool(self.config.corpus)})

    def _writable(self, path: str) -> bool:
        return bool(self.config.rulesets) and work.within(path, [self.config.rulesets or ""])

    async def ruleset(self, request: Request) -> Response:
        return await self._work(self._ruleset, request.path_params["rid"], request.query_params.get("resolved"))

    def _ruleset(self, rid: str, resolved: str | None) -> Response:
        path = self._path_of(rid)
        rs = perfrules.load_ruleset(path, self.config.search)
        data = work.resolved(rs, self._file_label)
        if resolved not in ("1", "true"):
            data = {k: data[k] for k in ("id", "name", "jurisdiction", "year", "version", "chain")}
        data["source"] = Path(path).read_text(encoding="utf-8-sig")
        data["file"] = self._file_label(path)
        data["writable"] = self._writable(path)
        return JSONResponse(data)

    async def schema(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("ruleset", "submission", "result"):
            raise Problem(404, f"没有「{name}」的 JSON Schema（可选 ruleset、submission、result）")
        text = await self._work((resources.files("perfrules") / "schemas" / f"{name}.schema.json").read_text, "utf-8")
        return Response(text, media_type="application/schema+json")

    async def score(self, request: Request) -> Response:
        fmt = request.query_params.get("format", "json")
        if fmt not in FORMATS:
            raise Problem(400, f"不支持的格式「{fmt}」（可选 {'、'.join(FORMATS)}）")
        length = request.headers.get("content-length")
        if length is None:
            raise Problem(411, "上传需要 Content-Length")
        if not length.isdigit() or int(length) > MAX_FILE_BYTES + 64 * 1024:
            raise Problem(413, f"文件过大（上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）")
        form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_TEXT_FILE_BYTES)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Problem(400, "缺少上传文件：表单字段 file")
        name = safe_name(upload.filename or "自评表")
        if not name.lower().endswith(work.SUBMISSION_SUFFIXES):
            raise Problem(415, f"不支持的文件类型「{name}」（可上传 {' '.join(work.SUBMISSION_SUFFIXES)}）")
        ruleset_id = form.get("ruleset")
        with tempfile.TemporaryDirectory(prefix="perfrules-serve-") as tmp:
            path = os.path.join(tmp, name)
            with open(path, "wb") as fh:
                while chunk := await upload.read(1 << 20):
                    fh.write(chunk)
            out = await self._work(self._score_file, path, name, ruleset_id if isinstance(ruleset_id, str) else None, fmt)
        headers = {}
        if fmt != "json":
            stem = name.rsplit(".", 1)[0]
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote_name(stem + '.复核.' + fmt)}"
        return Response(out, media_type=FORMATS[fmt], headers=headers)

    def _score_file(self, path: str, name: str, ruleset_id: str | None, fmt: str) -> str | bytes:
        """The report of the upload saved at *path*, which reports call *name*."""
        try:
            sub = perfrules.read_submission(path)
            if ruleset_id:
                rs = perfrules.load_ruleset(self._path_of(ruleset_id), self.config.search)
            else:
                rs, _why = perfrules.select_ruleset(sub, self.config.search)
            # the report names the upload as the user called it, not the server's temporary path
            result = attrs.evolve(perfrules.score(sub, rs), source=name)
        except PerfrulesError as err:
            raise renamed(err, path, name) from None
        return scrub(perfrules.render(result, fmt), os.path.dirname(path) + os.sep)

    async def check(self, request: Request) -> Response:
        return await self._work(self._check, await self._json_body(request))

    def _check(self, body: dict[str, Any]) -> Response:
        path = self._path_of(body["id"]) if body.get("id") else None
        _rs, diags = work.check_text(self._text(body, None), self._file_label(path), self.config.search)
        return JSONResponse({"diagnostics": diags})

    async def test(self, request: Request) -> Response:
        return await self._work(self._test, await self._json_body(request))

    def _test(self, body: dict[str, Any]) -> Response:
        path = self._path_of(body.get("id"))
        rs, diags = work.check_text(self._text(body, path), self._file_label(path), self.config.search)
        cases = [c.json() for c in work.run_cases(rs, path)] if rs is not None else []
        return JSONResponse({"diagnostics": diags, "cases": cases, "ok": rs is not None,
                             "passed": sum(1 for c in cases if c["passed"]), "failed": sum(1 for c in cases if not c["passed"])})

    async def impact(self, request: Request) -> Response:
        if not self.config.corpus:
            raise Problem(400, "没有语料文件夹：请用 perfrules serve --corpus 文件夹 启动")
        return await self._work(self._impact, await self._json_body(request))

    def _impact(self, body: dict[str, Any]) -> Response:
        path = self._path_of(body.get("id"))
        old = perfrules.load_ruleset(path, self.config.search)
        new, diags = work.check_text(self._text(body, path), self._file_label(path), self.config.search)
        if new is None:
            return JSONResponse({"error": diags[0], "errors": diags}, status_code=400)
        return JSONResponse(work.impact(self.corpus, old, new))

    async def diff(self, request: Request) -> Response:
        return await self._work(self._diff, await self._json_body(request))

    def _diff(self, body: dict[str, Any]) -> Response:
        path = self._path_of(body.get("id"))
        text = self._text(body, None)
        if body.get("bump"):
            text = work.bump_version(text)
        old = Path(path).read_text(encoding="utf-8-sig")
        return JSONResponse({"diff": work.unified_diff(old, text, os.path.basename(path)), "text": text})

    async def save(self, request: Request) -> Response:
        return await self._work(self._save, await self._json_body(request))

    def _save(self, body: dict[str, Any]) -> Response:
        rid = body.get("id")
        path = self._path_of(rid)
        if not self._writable(path):
            raise Problem(403, "这个规则集是只读的（内置规则集）：请用 perfrules serve --rulesets 文件夹 启动，"
                               "把规则集复制到该文件夹后再编辑")
        text = self._text(body, None)
        if body.get("bump"):
            text = work.bump_version(text)
        rs, diags = work.check_text(text, self._file_label(path), self.config.search)
        if rs is None:
            return JSONResponse({"error": {**diags[0], "message": "规则集有错误，未保存：" + diags[0]["message"]},
                                 "errors": diags}, status_code=400)
        if rs.id != rid:
            raise Problem(400, f"保存时不能改动规则集编号（{rid} → {rs.id}）")
        write_atomic(path, text)
        return JSONResponse({"saved": rid, "version": rs.version, "file": self._file_label(path)})


async def _read_capped(request: Request, cap: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise Problem(413, f"请求体过大（上限 {cap // (1024 * 1024)} MB）")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(config: ServeConfig | None = None, guard: Guard | None = None) -> Starlette:
    """The studio and API for *config* (loopback, bundled rulesets, no corpus by default)."""
    config = config or ServeConfig()
    api = Api(config, guard or Guard(config.token))
    g = api.guarded
    routes = [
        Route("/", g(api.studio, False)),
        Route("/api/openapi.json", g(api.openapi, False)),
        Route("/api/csrf", g(api.csrf, False)),
        Route("/api/rulesets", g(api.rulesets, False)),
        Route("/api/rulesets/{rid:path}", g(api.ruleset, False)),
        Route("/api/schema/{name}", g(api.schema, False)),
        Route("/api/score", g(api.score, True), methods=["POST"]),
        Route("/api/check", g(api.check, True), methods=["POST"]),
        Route("/api/test", g(api.test, True), methods=["POST"]),
        Route("/api/impact", g(api.impact, True), methods=["POST"]),
        Route("/api/diff", g(api.diff, True), methods=["POST"]),
        Route("/api/save", g(api.save, True), methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
    ]
    # DNS rebinding: on loopback only the loopback names are answered
    hosts = ["127.0.0.1", "localhost", "[::1]"] if is_loopback(config.host) else ["*"]
    return Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)])

