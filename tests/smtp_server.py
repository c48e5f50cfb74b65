"""A real SMTP server for tests (aiosmtpd on a thread) that keeps what it is sent and refuses
addresses as a test tells it to."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any, cast

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    """aiosmtpd handler: the messages accepted, and the refusals still to give per address."""

    messages: list[EmailMessage] = field(default_factory=list)
    # address -> [reply, times left] (times None: for ever)
    refusals: dict[str, list[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    # Addresses whose message the server keeps and then waits this many seconds before replying
    # to DATA, and the ones it has started waiting on.
    slow: dict[str, float] = field(default_factory=dict)
    holding: set[str] = field(default_factory=set)

    def refuse(self, address: str, reply: str, times: int | None = None) -> None:
        """Answer RCPT TO for `address` with `reply` (e.g. "451 4.7.1 Try later"), `times` times."""
        self.refusals[address] = [reply, times]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        """Refuse an address as told, else accept it."""
        rule = self.refusals.get(address)
        if rule is not None and (rule[1] is None or rule[1] > 0):
            if rule[1] is not None:
                rule[1] -= 1
            return rule[0]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        """Keep the message; for a slow address, keep it and only then wait before replying, as
        a server that has queued a message but whose "250" is late (RFC 1047)."""
        message = cast(EmailMessage, message_from_bytes(envelope.content, policy=default))
        with self.lock:
            self.messages.append(message)
        for address in envelope.rcpt_tos:
            if address in self.slow:
                self.holding.add(address)
                await asyncio.sleep(self.slow[address])
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages sent to one address."""
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        """Forget the messages so far."""
        with self.lock:
            self.messages.clear()


def free_port() -> int:
    """Return a TCP port nobody is listening on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """Run an SMTP server on 127.0.0.1 until the block ends."""
    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
