"""Create bench/.peers/panther-net: a virtualenv holding only PyPI ``panther-net==1.2.0``.

The reference implementation pulls in heavy dependencies (docker, pandas, flask...), so it
lives in its own virtualenv that only the benchmark uses and never in the project's ``.venv``.
Idempotent: a venv whose stamp file names the pinned version is left as it is.

Usage: ``python bench/setup_peers.py [--force]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import venv
from pathlib import Path

PIN = "panther-net==1.2.0"
TARGET = Path(__file__).resolve().parent / ".peers" / "panther-net"
STAMP = TARGET / ".installed"


def main(argv: list[str] | None = None) -> int:
    """Create (or with ``--force`` recreate) the peer venv; return the pip exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="delete and recreate the venv")
    args = parser.parse_args(argv)
    if args.force and TARGET.exists():
        shutil.rmtree(TARGET)
    if STAMP.exists() and STAMP.read_text().strip() == PIN:
        print(f"{TARGET} already has {PIN}")
        return 0
    print(f"creating {TARGET} with {PIN} (a few hundred MB; takes a minute)", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(TARGET)
    python = TARGET / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", PIN], check=False)
    if done.returncode != 0:
        print(f"pip could not install {PIN} into {TARGET}", file=sys.stderr)
        return done.returncode
    STAMP.write_text(PIN + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
