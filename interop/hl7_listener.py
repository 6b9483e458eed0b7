"""The MLLP listener: monitors connect, send ORU^R01 messages, get an ACK each.

MLLP framing (<VT> message <FS><CR>) is python-hl7's asyncio server
(`hl7.mllp.start_hl7_server`). We read each block as bytes, not as a parsed
message, so a garbled one is still kept as received. Database work runs in
one worker thread, a message at a time, in arrival order: monitors send a
few messages a minute, and the ORM is synchronous.
"""

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections
from hl7.mllp import InvalidBlockError, start_hl7_server

from . import hl7_inbound

log = logging.getLogger(__name__)

# Larger than any vitals message; a bigger block is refused, not buffered forever.
BLOCK_LIMIT = 1024 * 1024


def _receive_in_worker(block: bytes, peer: str) -> str:
    close_old_connections()  # a connection the database closed since the last message
    try:
        return hl7_inbound.receive(block, peer=peer)
    finally:
        close_old_connections()


class Listener:
    """An MLLP server on (host, port). `run()` blocks; `start()` runs it in a thread."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hl7-db")
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    async def _connection(self, reader, writer) -> None:
        peer = writer.get_extra_info("peername")
        peer = f"{peer[0]}:{peer[1]}" if peer else ""
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    break  # the monitor hung up
                except InvalidBlockError:
                    # Bytes outside an MLLP frame: not HL7 over MLLP at all.
                    log.warning("Closing %s: it does not speak MLLP", peer)
                    break
                except ValueError:
                    log.warning("A message from %s was over %d bytes: refused", peer, BLOCK_LIMIT)
                    block = b"MSH|^~\\&|\rTOO LARGE"
                ack = await loop.run_in_executor(self.worker, _receive_in_worker, block, peer)
                writer.writeblock(ack.encode("utf-8"))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        server = await start_hl7_server(self._connection, self.host, self.port, limit=BLOCK_LIMIT)
        self.port = server.sockets[0].getsockname()[1]  # port 0: the one chosen
        log.info("HL7 listener on %s:%s", self.host, self.port)
        self.ready.set()
        async with server:
            await self._stopped.wait()
        self.worker.submit(connections.close_all).result()
        self.worker.shutdown()

    def run(self) -> None:
        asyncio.run(self.serve())

    def start(self) -> "Listener":
        self._thread = threading.Thread(target=self.run, name="hl7-listener", daemon=True)
        self._thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("the HL7 listener did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(10)
