"""A real Mosquitto broker with TLS, per-user passwords and topic rules, for the head-office
tests: head office's user reads and writes everything under the prefix, each branch's user
only its own ``prefix/BRANCH/...``."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PREFIX = "etiquette/v1"


def mosquitto_program() -> str:
    found = shutil.which("mosquitto")
    if found is None and os.access("/usr/sbin/mosquitto", os.X_OK):
        found = "/usr/sbin/mosquitto"
    if found is None or shutil.which("mosquitto_passwd") is None:
        pytest.fail("mosquitto is missing: run scripts/install-system-deps.sh as root")
    return found


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it (openssl)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, request, cert = (
        folder / name for name in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem")
    )
    extensions = folder / "san.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for command in (
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=etiquette test CA",
            "-keyout",
            ca_key,
            "-out",
            ca,
        ],
        [
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            key,
            "-out",
            request,
        ],
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            request,
            "-CA",
            ca,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            extensions,
            "-out",
            cert,
        ],
    ):
        subprocess.run([str(part) for part in command], check=True, capture_output=True)
    return ca, cert, key


@dataclass
class TlsBroker:
    port: int
    folder: Path
    ca: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.folder / "mosquitto.log").open("ab")
        self.process = subprocess.Popen(
            [mosquitto_program(), "-c", str(self.folder / "mosquitto.conf")],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None:
                pytest.fail("mosquitto exited:\n" + (self.folder / "mosquitto.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"mosquitto did not listen on {self.port}")
                time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM by pid (it saves its persistence file), SIGKILL if it hangs."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def tls_broker(folder: Path, port: int, users: dict[str, str]) -> TlsBroker:
    """Writes the broker's files (certificates, passwords, rules, config) into ``folder``."""
    ca, cert, key = make_certificates(folder)
    passwords = folder / "passwords"
    passwords.touch()
    for user, password in users.items():
        subprocess.run(
            ["mosquitto_passwd", "-b", str(passwords), user, password],
            check=True,
            capture_output=True,
        )
    rules = folder / "acl"
    rules.write_text(f"user hq\ntopic readwrite {PREFIX}/#\n\npattern readwrite {PREFIX}/%u/#\n")
    lines = [
        f"listener {port} 127.0.0.1",
        f"cafile {ca}",
        f"certfile {cert}",
        f"keyfile {key}",
        "allow_anonymous false",
        f"password_file {passwords}",
        f"acl_file {rules}",
        "set_tcp_nodelay true",
        "persistence true",
        f"persistence_location {folder}/",
        "max_queued_messages 100000",
    ]
    if os.geteuid() == 0:
        lines.append("user root")  # else it drops to 'mosquitto', who cannot read tmp_path
    (folder / "mosquitto.conf").write_text("\n".join(lines) + "\n")
    return TlsBroker(port=port, folder=folder, ca=ca)
