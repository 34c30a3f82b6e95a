"""PDF from the .docx, where LibreOffice is installed (`libreoffice --headless
--convert-to pdf`); not required: without it the command says how to get it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from metrics.errors import InvalidInput
from metrics.i18n import both

CONVERT_TIMEOUT_S = 180


def find_converter() -> str | None:
    """The LibreOffice command on PATH, or None."""
    return shutil.which("libreoffice") or shutil.which("soffice")


def to_pdf(docx: bytes) -> bytes:
    """The document converted by LibreOffice in a private profile (so it runs beside an
    open LibreOffice and leaves the user's settings alone)."""
    command = find_converter()
    if command is None:
        raise InvalidInput(both("brief.no_pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "briefing.docx"
        src.write_bytes(docx)
        profile = (Path(tmp) / "profile").as_uri()
        try:
            done = subprocess.run(
                [
                    command,
                    f"-env:UserInstallation={profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    tmp,
                    str(src),
                ],
                capture_output=True,
                text=True,
                timeout=CONVERT_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            raise InvalidInput(
                both("brief.pdf_failed", detail=f"timeout {CONVERT_TIMEOUT_S}s")
            ) from None
        out = Path(tmp) / "briefing.pdf"
        if done.returncode != 0 or not out.exists():
            detail = (done.stderr or done.stdout or f"exit {done.returncode}").strip()[:300]
            raise InvalidInput(both("brief.pdf_failed", detail=detail))
        return out.read_bytes()
