"""The OpenAPI schema, written by hand so it is complete and needs nothing from the network."""

from __future__ import annotations

from typing import Any

# A day as the API reads it (empty: not given); which days exist is the code's to say (400).
_DAY = r"^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

_ARTICLE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "url": {"type": ["string", "null"]},
        "title": {"type": "string"},
        "outlet": {"type": "string"},
        "source": {"type": ["string", "null"]},
        "group": {"type": "string"},
        "published": {"type": "string", "format": "date-time"},
        "lang": {"type": ["string", "null"]},
        "weight": {"type": "number"},
        "story_id": {"type": ["string", "null"]},
        "storyline_id": {"type": ["string", "null"]},
        "original_id": {"type": ["string", "null"]},
    },
}


def _q(
    name: str, desc: str, required: bool = False, kind: str = "string", **bounds: int | str
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": desc,
        "schema": {"type": kind, **bounds},
    }


def _errors(*codes: int) -> dict[str, Any]:
    """The error answers a route gives, each with the Error body (the contract lists them all)."""
    why = {
        400: "bad input",
        403: "read-only server, or wrong or missing admin token",
        404: "not found",
        413: "body too large",
        415: "unsupported body type",
    }
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(c): {"description": why[c], "content": body} for c in codes}


def _p(name: str, desc: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": desc,
        "schema": {"type": "string"},
    }


def _ok(desc: str, ref: str | None = None, media: str = "application/json") -> dict[str, Any]:
    content: dict[str, Any] = {media: {"schema": {"$ref": ref} if ref else {"type": "object"}}}
    return {
        "200": {"description": desc, "content": content},
        "default": {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    }


def schema() -> dict[str, Any]:
    """OpenAPI 3.1 for the JSON API, the Atom feed and the admin endpoints."""
    audience = _q("audience", "Audience group (default from settings, usually mainstream).")
    admin: list[dict[str, list[str]]] = [{"adminToken": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "belowthefold",
            "version": "1",
            "description": "Missed headlines under news pressure: local JSON API.",
        },
        "paths": {
            "/api/weeks/{week}/brief": {
                "get": {
                    "summary": "The week's brief: pressure, dominant storylines, missed headlines.",
                    "parameters": [_p("week", "ISO week, e.g. 2025-W14."), audience],
                    "responses": _ok("The brief", "#/components/schemas/Brief"),
                }
            },
            "/api/stories/{id}": {
                "get": {
                    "summary": "One story: timeline per group, outlets, originals vs pickups, articles. "
                    "A merged story answers 301 to its current id.",
                    "parameters": [
                        _p("id", "Story id."),
                        _q(
                            "week",
                            "ISO week, e.g. 2025-W14: the storyline is named from its items "
                            "that week, as that week's brief names it (default: its whole span).",
                        ),
                    ],
                    "responses": _ok("The story", "#/components/schemas/Story"),
                }
            },
            "/api/pressure": {
                "get": {
                    "summary": "Daily news pressure per group over a window (default: the latest "
                    "week with articles); a day without articles has value null, not 0.",
                    "parameters": [
                        _q("week", "ISO week, e.g. 2025-W14 (or from/to)."),
                        _q("from", "First day, YYYY-MM-DD (1900..2199).", pattern=_DAY),
                        _q("to", "Last day, inclusive (at most 366 days).", pattern=_DAY),
                        _q("group", "Only this group."),
                    ],
                    "responses": {
                        **_ok("Pressure series", "#/components/schemas/Pressure"),
                        **_errors(400),
                    },
                }
            },
            "/api/search": {
                "get": {
                    "summary": "Full-text search over titles and text; every word must match. "
                    "With filters and no words, the filtered articles, newest first.",
                    "parameters": [
                        _q("q", "Words to find."),
                        _q("from", "First day, YYYY-MM-DD.", pattern=_DAY),
                        _q("to", "Last day, inclusive.", pattern=_DAY),
                        _q("group", "Only this source group."),
                        _q("outlet", "Only this outlet or source (any case)."),
                        _q("limit", "1-200", kind="integer", minimum=1, maximum=200),
                        _q("offset", "Skip this many.", kind="integer", minimum=0, maximum=100_000),
                    ],
                    "responses": _ok("Matches"),
                }
            },
            "/api/sources": {
                "get": {
                    "summary": "Sources with groups and article counts.",
                    "responses": _ok("Sources"),
                },
                "post": {
                    "summary": "Add or replace a source (admin token required; private feed "
                    "addresses refused unless the server allows them).",
                    "security": admin,
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["name", "group"],
                                    "properties": {
                                        "name": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": 300,
                                        },
                                        "group": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": 100,
                                        },
                                        "feed": {
                                            "type": "string",
                                            "maxLength": 2000,
                                            "pattern": "^$|^https?://",
                                        },
                                        "domains": {"type": "array", "items": {"type": "string"}},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {
                        "201": {"description": "added"},
                        **_errors(400, 403, 413),
                    },
                },
            },
            "/api/sources/{name}": {
                "delete": {
                    "summary": "Remove a source (admin token required).",
                    "security": admin,
                    "parameters": [_p("name", "Source name.")],
                    "responses": {**_ok("removed"), **_errors(403, 404)},
                }
            },
            "/api/workers": {
                "get": {
                    "summary": "The fetch workers now: the shared round (tasks done and due), "
                    "the hosts each worker holds and its lease left, who is clustering, the "
                    "last worker runs.",
                    "responses": _ok("Workers"),
                }
            },
            "/feeds/missed.atom": {
                "get": {
                    "summary": "Atom feed of missed headlines over the last weeks.",
                    "parameters": [
                        audience,
                        _q("week", "Last week included (default: this week)."),
                        _q(
                            "weeks",
                            "How many weeks (default 4).",
                            kind="integer",
                            minimum=1,
                            maximum=12,
                        ),
                    ],
                    "responses": _ok("Atom 1.0", media="application/atom+xml"),
                }
            },
        },
        "components": {
            "securitySchemes": {
                "adminToken": {"type": "apiKey", "in": "header", "name": "X-Admin-Token"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                },
                "Article": _ARTICLE,
                "Brief": {
                    "type": "object",
                    "properties": {
                        "week": {"type": "string"},
                        "start": {"type": "string", "format": "date"},
                        "end": {"type": "string", "format": "date"},
                        "audience": {"type": "string"},
                        "pressure": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "date": {"type": "string"},
                                    "group": {"type": "string"},
                                    "value": {"type": ["number", "null"]},
                                    "articles": {"type": "integer"},
                                },
                            },
                        },
                        "dominant": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "storyline_id": {"type": "string"},
                                    "headline": {"type": "string"},
                                    "share": {"type": "number"},
                                    "articles": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Article"},
                                    },
                                },
                            },
                        },
                        "missed": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "rank": {"type": "integer"},
                                    "story_id": {"type": "string"},
                                    "headline": {"type": "string"},
                                    "score": {"type": "number"},
                                    "reasons": {"type": "array", "items": {"type": "string"}},
                                    "coverage": {
                                        "type": "object",
                                        "additionalProperties": {"type": "integer"},
                                    },
                                    "articles": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Article"},
                                    },
                                },
                            },
                        },
                    },
                },
                "Story": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "storyline_id": {"type": "string"},
                        "headline": {"type": "string"},
                        "originals": {"type": "integer"},
                        "pickups": {"type": "integer"},
                        "timeline": {"type": "array", "items": {"type": "object"}},
                        "outlets": {"type": "array", "items": {"type": "object"}},
                        "weeks": {"type": "array", "items": {"type": "object"}},
                        "articles": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Article"},
                        },
                    },
                },
                "Pressure": {
                    "type": "object",
                    "properties": {
                        "from": {"type": "string"},
                        "to": {"type": "string"},
                        "pressure": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "date": {"type": "string"},
                                    "group": {"type": "string"},
                                    "value": {"type": ["number", "null"]},
                                    "concentration": {"type": ["number", "null"]},
                                    "articles": {"type": "integer"},
                                    "attention": {"type": "number"},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
