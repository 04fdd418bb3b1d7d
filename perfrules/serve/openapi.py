"""The OpenAPI document served at /api/openapi.json, written by hand (it is short)."""

from __future__ import annotations

from typing import Any

_ERR = {"description": "输入错误：error 里有 file、line、column、message、hint",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(desc: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


def _body(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": props, "required": required}}}}


def document(version: str) -> dict[str, Any]:
    body = _body
    text = {"type": "string", "description": "规则集 TOML 全文"}
    rid = {"type": "string", "description": "规则集编号，如 hunan/zhuzhou/lusong/2023"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "perfrules serve", "version": version,
                 "description": "预算绩效自评表计分与规则集编辑。POST 需要 Authorization: Bearer（--token）"
                                "或 X-Perfrules-CSRF（GET /api/csrf 取得）。"},
        "paths": {
            "/api/score": {"post": {
                "summary": "给一份自评表计分", "parameters": [
                    {"name": "format", "in": "query", "schema": {"enum": ["json", "html", "xlsx", "md", "text"]}}],
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary",
                                            "description": ".docx .xlsx .toml .json .txt .csv"},
                                   "ruleset": rid}}}}},
                "responses": {"200": _json("docs/json.md 的结果（或所请求格式的报告）",
                                           {"$ref": "/api/schema/result"}), "400": _ERR, "413": _ERR}}},
            "/api/rulesets": {"get": {"summary": "规则集列表", "responses": {"200": _json("列表")}}},
            "/api/rulesets/{id}": {"get": {
                "summary": "一个规则集；resolved=1 给出每项设置及其来源",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": rid},
                               {"name": "resolved", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": _json("规则集"), "404": _ERR}}},
            "/api/check": {"post": {"summary": "检查规则集文本", "requestBody": body({"ruleset": text, "id": rid}, ["ruleset"]),
                                    "responses": {"200": _json("diagnostics：line column end_line end_column severity message hint")}}},
            "/api/test": {"post": {"summary": "运行规则集旁的用例", "requestBody": body({"ruleset": text, "id": rid}, ["id"]),
                                   "responses": {"200": _json("cases：name line passed problems"), "400": _ERR}}},
            "/api/impact": {"post": {"summary": "语料文件夹在已保存规则集 A 与编辑中规则集 B 下的得分，逐单位比较",
                                     "requestBody": body({"id": rid, "ruleset": text}, ["id"]),
                                     "responses": {"200": _json("units grades changed failures"), "400": _ERR}}},
            "/api/diff": {"post": {"summary": "保存前的差异预览", "requestBody": body({"id": rid, "ruleset": text, "bump": {"type": "boolean"}}, ["id", "ruleset"]),
                                   "responses": {"200": _json("diff")}}},
            "/api/save": {"post": {"summary": "保存规则集（有错误时拒绝；原子写入）",
                                   "requestBody": body({"id": rid, "ruleset": text, "bump": {"type": "boolean"}}, ["id", "ruleset"]),
                                   "responses": {"200": _json("saved"), "400": _ERR, "403": _ERR}}},
            "/api/schema/{name}": {"get": {"summary": "JSON Schema：ruleset、submission 或 result",
                                           "parameters": [{"name": "name", "in": "path", "required": True,
                                                           "schema": {"enum": ["ruleset", "submission", "result"]}}],
                                           "responses": {"200": _json("JSON Schema"), "404": _ERR}}},
            "/api/csrf": {"get": {"summary": "本服务器的 CSRF 令牌", "responses": {"200": _json("csrf")}}},
        },
        "components": {"schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
            k: {"type": ["string", "integer", "null"]} for k in ("file", "line", "column", "message", "hint", "code")}}}}}},
    }
