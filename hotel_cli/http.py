"""HTTP calls to the services that fail with a sentence, not a traceback."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from .settings import CliSettings

RATE_LIMITED_RETRIES = 30


class ServiceDown(Exception):
    pass


class ServiceRefused(Exception):
    pass


class Services:
    def __init__(self, settings: CliSettings, scope: str = "manager", timeout: float = 15) -> None:
        self.settings = settings
        self._headers = {"Authorization": f"Bearer {settings.key(scope)}"}
        self._clients = {
            name: httpx.AsyncClient(base_url=url, headers=self._headers, timeout=timeout)
            for name, url in settings.service_urls.items()
        }

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def __aenter__(self) -> Services:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (200, 201, 202),
        **kwargs: Any,
    ) -> httpx.Response:
        client = self._clients[service]
        for _ in range(RATE_LIMITED_RETRIES):
            try:
                response = await client.request(method, path, **kwargs)
            except httpx.TransportError as error:
                raise ServiceDown(
                    f"{service} does not answer at {client.base_url} "
                    f"({type(error).__name__}); is `make run` up?"
                ) from None
            if response.status_code != 429:
                break
            # Over the key's rate limit: wait as long as the service asks, then go on.
            await asyncio.sleep(min(float(response.headers.get("Retry-After", "1")), 10))
        if response.status_code not in expect:
            raise ServiceRefused(
                f"{service} {method} {path}: {response.status_code} {_detail(response)}"
            )
        return response

    async def get(self, service: str, path: str, **kwargs: Any) -> Any:
        return (await self.call(service, "GET", path, **kwargs)).json()

    async def post(self, service: str, path: str, **kwargs: Any) -> Any:
        return (await self.call(service, "POST", path, **kwargs)).json()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:300]
    return str(body)[:300]
