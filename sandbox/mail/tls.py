"""TLS for the sandbox's mail servers: a CA generated at start and a certificate it signs for the
host name clients connect with. Clients trust the CA (its PEM, or the file it is written to), so
certificate and host-name verification stay on, as against a real provider."""

from __future__ import annotations

import shutil
import ssl
import tempfile
from pathlib import Path

from sandbox.certs import issue


class MailTLS:
    def __init__(self, hostname: str, host: str, ca_file: Path | None = None) -> None:
        self.ca = issue(["Hourglass Sandbox Mail CA"], is_ca=True)
        names = list(dict.fromkeys([hostname, host, "localhost", "127.0.0.1"]))
        leaf = issue(names, ca=self.ca)
        self._dir = Path(tempfile.mkdtemp(prefix="sandbox-mail-tls-"))
        cert, key = self._dir / "cert.pem", self._dir / "key.pem"
        cert.write_bytes(leaf.cert_pem)
        key.write_bytes(leaf.key_pem)
        key.chmod(0o600)
        self.ca_file = ca_file or self._dir / "ca.pem"
        self.ca_file.write_bytes(self.ca.cert_pem)
        self.server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.server_context.load_cert_chain(cert, key)

    @property
    def ca_pem(self) -> str:
        return self.ca.cert_pem.decode()

    def client_context(self) -> ssl.SSLContext:
        """What a client that trusts this sandbox uses (verification on)."""
        context = ssl.create_default_context()
        context.load_verify_locations(cadata=self.ca_pem)
        return context

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)
