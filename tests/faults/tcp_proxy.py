"""A TCP proxy between the services and the broker that can cut, stall or slow the
connections through it, as a network does: cut closes every connection and refuses new
ones; stall keeps them open but moves no byte (a half-dead peer); slow adds a delay to
every chunk; throttle caps the bytes per second each way (a congested link). Runs its
own event loop in a thread so tests and scripts drive it plainly."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

from tests.support.stack import free_port


class TcpProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.target_port = target_port
        self.host = host
        self.port = free_port()
        self.delay = 0.0
        self.bytes_per_second: float | None = None
        self._cut = False
        self._flowing = threading.Event()
        self._flowing.set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self.connections_accepted = 0

    def url_for(self, amqp_url: str) -> str:
        """The same broker URL, through the proxy."""
        return amqp_url.replace(f":{self.target_port}/", f":{self.port}/")

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        self._call(self._close_all(stop_listening=True))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def cut(self) -> None:
        """Every connection closed at once; new ones are refused until `restore`."""
        self._cut = True
        self._call(self._close_all(stop_listening=False))

    def stall(self) -> None:
        """Connections stay open but no byte moves until `restore`."""
        self._flowing.clear()

    def slow(self, seconds: float) -> None:
        self.delay = seconds

    def throttle(self, bytes_per_second: float) -> None:
        self.bytes_per_second = bytes_per_second

    def restore(self) -> None:
        self._cut = False
        self.delay = 0.0
        self.bytes_per_second = None
        self._flowing.set()

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)

    async def _close_all(self, stop_listening: bool) -> None:
        if stop_listening and self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        if self._cut:
            client_writer.transport.abort()
            return
        try:
            broker_reader, broker_writer = await asyncio.open_connection(
                self.host, self.target_port
            )
        except OSError:
            client_writer.transport.abort()
            return
        self.connections_accepted += 1
        self._writers.update((client_writer, broker_writer))
        await asyncio.gather(
            self._pipe(client_reader, broker_writer), self._pipe(broker_reader, client_writer)
        )

    def _chunk_size(self) -> int:
        # Throttled: a tenth of a second's worth at a time, so the rate holds smoothly.
        rate = self.bytes_per_second
        return max(256, int(rate / 10)) if rate else 65536

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(self._chunk_size()):
                while not self._flowing.is_set():
                    await asyncio.sleep(0.05)
                if self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(chunk)
                await writer.drain()
                if rate := self.bytes_per_second:
                    await asyncio.sleep(len(chunk) / rate)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()
            self._writers.discard(writer)
