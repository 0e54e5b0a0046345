#!/usr/bin/env python3
"""Check that the repository holds no copy of a file of the shared data folder.

    python3 tools/check_no_shared_copies.py

The shared data (../shared/data beside the checkout, or $IAMWHY_SHARED_DATA) holds files from
public projects whose licences ask for attribution; the project reads them where they lie and
does not carry copies (issue 19). This hashes every file `git ls-files` lists and every file
under the shared folder, and prints each tracked file whose SHA-256 equals a shared file's.
Empty files are left out (they are all alike).

Exit status: 0 when no tracked file is a copy, 1 when some are, 2 when git fails. Without the
shared folder there is nothing to compare: it says so and exits 0. Python 3.9+, standard library
only.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def main() -> int:
    setting = os.environ.get("IAMWHY_SHARED_DATA")
    label = setting or "../shared/data"
    shared = Path(setting) if setting else ROOT / label
    if not shared.is_dir():
        print(f"skipped: {label} not found (set IAMWHY_SHARED_DATA)", file=sys.stderr)
        return 0
    hashes: dict[str, list[str]] = {}
    for path in sorted(shared.rglob("*")):
        if path.is_file() and path.stat().st_size > 0:
            hashes.setdefault(sha256(path), []).append(path.relative_to(shared).as_posix())
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
        ).stdout.decode("utf-8", "surrogateescape")
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"error: `git ls-files` failed: {e}", file=sys.stderr)
        return 2
    tracked = [name for name in listed.split("\0") if name]
    copies = []
    for name in tracked:
        path = ROOT / name
        # A file deleted in the work tree but still in the index has nothing to compare.
        if path.is_file() and not path.is_symlink() and path.stat().st_size > 0:
            for original in hashes.get(sha256(path), []):
                copies.append((name, original))
    for name, original in copies:
        print(f"{name}: a copy of {label}/{original}", file=sys.stderr)
    if copies:
        print(
            f"{len(copies)} tracked file(s) copy the shared data; read it from {label} instead",
            file=sys.stderr,
        )
        return 1
    print(f"no copy of the {sum(map(len, hashes.values()))} shared files among {len(tracked)} tracked files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
