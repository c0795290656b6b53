"""Routes that answer a file (a CSV or XLSX export, an ID scan's image), declared as such:
the OpenAPI names the file's media type instead of a JSON object, so a client and the
schemathesis run expect what really comes back."""

from __future__ import annotations

from typing import Any

from fastapi import Response

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}


class CsvResponse(Response):
    media_type = CSV


class XlsxResponse(Response):
    media_type = XLSX


def file_answer(*media_types: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The `responses` entry of a route whose 200 is a file in one of `media_types`."""
    content = {media_type: {"schema": BINARY} for media_type in media_types}
    return {200: {"description": description, "content": content}}
