"""``perfrules serve``: a JSON API and a ruleset studio in the browser, for policy staff.

Built on the public library API only (``import perfrules``).  Starlette rather than
FastAPI: the JSON contract already comes from ``perfrules.render(result, "json")`` and
the records are attrs classes, so pydantic models would only restate them; Starlette is
small, typed, and runs on uvicorn.  Nothing here is imported by ``perfrules score``.
"""

from __future__ import annotations

__all__ = ["create_app"]

from perfrules.serve.app import create_app
