"""A mail sink for development: an SMTP server (aiosmtpd) that delivers
nothing and writes every message it receives to a folder, so a developer
reads what the portal mailed without a mail server.

    .venv/bin/python scripts/mail_sink.py [--host 127.0.0.1] [--port 1025] [--dir var/mail]

Each message becomes two files named after the time it arrived and its
recipient: ``<time>-<to>.eml``, the message as received (any mail client
opens it), and ``<time>-<to>.txt``, its headers and decoded text (CKAN
sends the body base64-encoded). ``make run`` starts it beside the portal
(config/development.ini: ``smtp.server = 127.0.0.1:1025``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import email
import re
import signal
import threading
from email import policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Sink:
    """aiosmtpd handler: every message to a file, none delivered."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.count = 0

    def _name(self, to: str) -> str:
        with self.lock:
            self.count += 1
            count = self.count
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        safe = re.sub(r"[^A-Za-z0-9@._-]+", "_", to)[:80] or "unknown"
        return f"{stamp}-{count:04d}-{safe}"

    @staticmethod
    def readable(raw: bytes) -> str:
        message = email.message_from_bytes(raw, policy=policy.default)
        lines = [f"{key}: {message[key]}" for key in ("Date", "From", "To", "Subject")
                 if message[key] is not None]
        part = message.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        return "\n".join(lines) + "\n\n" + body

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        name = self._name(envelope.rcpt_tos[0] if envelope.rcpt_tos else "")
        for suffix, data in ((".eml", raw), (".txt", self.readable(raw).encode("utf-8"))):
            # written whole, then renamed: a reader never sees half a message
            partial = self.folder / f".{name}{suffix}.part"
            partial.write_bytes(data)
            partial.rename(self.folder / f"{name}{suffix}")
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", default="var/mail", type=Path)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"mail sink on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
