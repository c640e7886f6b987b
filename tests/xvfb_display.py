"""A real X server for tests that need one (Xvfb on a free display number)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

XVFB = shutil.which("Xvfb")


def start_xvfb(log: Path, size: str = "1024x768x24") -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a free display: the first without a lock file, ready once its socket exists.

    Retried on the next number: another X server may grab the same display meanwhile.
    """
    if XVFB is None:
        pytest.skip("needs Debian's xvfb (apt-get install xvfb) for a real X server")
    number = 90
    for _attempt in range(5):
        while Path(f"/tmp/.X{number}-lock").exists():
            number += 1
        with log.open("ab") as err:
            proc = subprocess.Popen(
                [XVFB, f":{number}", "-screen", "0", size, "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 20
        while proc.poll() is None and not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None and socket.exists():
            return proc, f":{number}"
        proc.kill()
        proc.wait()
        number += 1
    pytest.fail(f"Xvfb did not start: {log.read_text(errors='replace')[-2000:]}")


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def xvfb(log: Path, size: str = "1024x768x24") -> Iterator[str]:
    """DISPLAY of a fresh Xvfb for the block's duration."""
    proc, display = start_xvfb(log, size)
    try:
        yield display
    finally:
        stop(proc)
