"""A small MLLP client: send one message, wait for its ACK. For `manage.py
hl7_send`, the tests and anyone checking a listener by hand."""

import re
import socket
import uuid
from datetime import UTC, datetime

START, END = b"\x0b", b"\x1c\r"


def send(host: str, port: int, message: str, *, timeout: float = 10) -> str:
    """Frame `message` (segments ending in CR or LF) in MLLP, send it, return the ACK."""
    text = message.replace("\r\n", "\r").replace("\n", "\r").strip("\r") + "\r"
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(START + text.encode("utf-8") + END)
        received = b""
        while not received.endswith(END):
            chunk = conn.recv(4096)
            if not chunk:
                raise ConnectionError("the listener closed the connection without an ACK")
            received += chunk
    return received.removeprefix(START).removesuffix(END).decode("utf-8")


def split_messages(text: str) -> list[str]:
    """The messages of a file: each begins with an MSH segment."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = re.split(r"\n(?=MSH)", text.strip())
    return [part.strip() for part in parts if part.strip()]


def fill_in(message: str, *, now: datetime | None = None) -> str:
    """Sample files say {NOW} for the time of sending and {ID} for a fresh control id."""
    now = now or datetime.now(UTC)
    return message.replace("{NOW}", now.strftime("%Y%m%d%H%M%S+0000")).replace(
        "{ID}", uuid.uuid4().hex[:16]
    )


def ack_code(ack: str) -> tuple[str, str]:
    """(MSA-1, MSA-3) of an ACK."""
    for segment in ack.split("\r"):
        if segment.startswith("MSA|"):
            fields = segment.split("|")
            return fields[1], fields[3] if len(fields) > 3 else ""
    return "", ""
