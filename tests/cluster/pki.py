"""The certificates a throwaway control plane needs, made with the `openssl` command.

One CA signs every serving and client certificate (apiserver, front proxy,
KEDA's gRPC and metrics servers); the service-account key pair signs the
tokens the controller-manager's controllers use. All are valid for one day.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["Pki"]


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]}: {done.stderr.strip()}")


class Pki:
    """Files under `root`: ca.crt/ca.key, sa.key/sa.pub, and `<name>.crt/.key` per `issue`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        _openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=hubspoke-test-ca",
            cwd=root,
        )  # fmt: skip
        _openssl("genrsa", "-out", "sa.key", "2048", cwd=root)
        _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=root)

    @property
    def ca(self) -> Path:
        return self.root / "ca.crt"

    def issue(self, name: str, *, cn: str, sans: list[str]) -> tuple[Path, Path]:
        """A certificate for `cn` with `sans` (`IP:...`/`DNS:...`), for server and client use."""
        ext = self.root / f"{name}.ext"
        ext.write_text(
            f"subjectAltName={','.join(sans)}\n"
            "extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n"
        )
        _openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={cn}",
            cwd=self.root,
        )  # fmt: skip
        _openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-extfile", ext.name, "-out", f"{name}.crt",
            cwd=self.root,
        )  # fmt: skip
        return self.root / f"{name}.crt", self.root / f"{name}.key"
