"""Run every `perfdesk bench NAME` and collect each one's last-line JSON object.

    .venv/bin/python benchmarks/run_all.py [--quick] [--only smoke,ingest] [--out FILE]

Each benchmark runs in its own process (as a user would run it) and measures its own
baseline in the same run; this script only gathers the lines, with the time and the
commit, into a JSON Lines file (default: benchmarks/results.jsonl, appended).
"""

from __future__ import annotations

import argparse
import json
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

import perfdesk.bench

HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    found = pkgutil.iter_modules(perfdesk.bench.__path__)
    return sorted(m.name for m in found if not m.name.startswith("_"))


def run_one(name: str, quick: bool) -> dict[str, object]:
    cmd = [sys.executable, "-m", "perfdesk.cli", "bench", name, *(["--quick"] if quick else [])]
    started = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    result: dict[str, object] = {"bench": name, "exit_code": proc.returncode}
    if proc.returncode == 0 and lines:
        result.update(json.loads(lines[-1]))
    else:
        result["error"] = (proc.stderr or proc.stdout)[-2000:]
    result["wall_s"] = round(time.time() - started, 1)
    return result


def commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return out.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--out", type=Path, default=HERE / "results.jsonl")
    args = parser.parse_args()
    chosen = [n for n in names() if not args.only or n in args.only.split(",")]
    failed = 0
    with args.out.open("a", encoding="utf-8") as out:
        for name in chosen:
            result = {"commit": commit(), "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            result.update(run_one(name, args.quick))
            failed += result["exit_code"] != 0
            out.write(json.dumps(result) + "\n")
            print(json.dumps(result), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
