#!/usr/bin/env python3
"""Writes 1 MB inputs for every fuzz target, to replay them and time each (docs/reliability.md).

The fuzzers try small inputs, so a parser that is quadratic in its input stays fast under them;
these large inputs show it. For each target: every seed repeated to 1 MB, and pathological
shapes (deep nesting, long lines, many errors in one minified document).

    python3 big_inputs.py /tmp/big
    cargo run --release --no-default-features --bin stable -- policy_parser --replay /tmp/big/policy_parser/*
"""

import os
import sys

SIZE = 1 << 20
HERE = os.path.dirname(os.path.abspath(__file__))
# Targets whose first byte is a selector, not part of the document.
SELECTOR = {"snapshot_file", "trail_reader", "lint_input"}


def repeat(piece: bytes, size: int = SIZE) -> bytes:
    return (piece * (size // len(piece) + 1))[:size]


def fill(head: bytes, item: bytes, tail: bytes) -> bytes:
    """A minified document of as many `item`s as fit in SIZE, the last comma dropped."""
    count = (SIZE - len(head) - len(tail)) // len(item)
    return head + (item * count)[:-1] + tail


POLICY = b'{"Version":"2012-10-17","Statement":['
SHAPES = {
    "open-brackets": b"[" * SIZE,
    "open-braces": repeat(b'{"a":'),
    "backslashes": b'"' + repeat(b"\\\\") + b'"',
    "long-string": b'"' + repeat(b"a") + b'"',
    "numbers": b"[" + repeat(b"1e999,") + b"1]",
    "newlines": b"\n" * SIZE,
    "random": bytes(((i * 2654435761) >> 13) & 0xFF for i in range(SIZE)),
    "multibyte": repeat("é𝄞".encode()),
    "percent": repeat(b"%7B%22"),
    "csv-quotes": repeat(b'a,"b""c",\r\n'),
    "ini-sections": repeat(b"[profile x]\nregion = us-east-1\n"),
    "wildcards": POLICY
    + b'{"Effect":"Allow","Action":"'
    + repeat(b"*?", SIZE - 200)
    + b'","Resource":"*"}]}',
    "many-bad-statements": fill(POLICY, b'{"Effect":"Alow"},', b"]}"),
    "many-bad-actions": fill(
        POLICY + b'{"Effect":"Allow","Resource":"*","Action":[', b'"s3:Get Object",', b"]}]}"
    ),
    "many-conditions": fill(
        POLICY + b'{"Effect":"Allow","Resource":"*","Action":"s3:*","Condition":{"StringEquals":{',
        b'"aws:x":"${aws:username}",',
        b"}}}]}",
    ),
    "many-scenarios": fill(b"[", b'{"principal":"x","action":"s3:GetObject"},', b"]"),
    "many-bad-records": fill(b'{"Records":[', b'{"eventName":1},', b"]}"),
}


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    seeds = os.path.join(HERE, "seeds")
    for target in sorted(os.listdir(seeds)):
        directory = os.path.join(out, target)
        os.makedirs(directory, exist_ok=True)
        prefix = b"\x07" if target in SELECTOR else b""
        for name, data in SHAPES.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(prefix + data)
        for seed in sorted(os.listdir(os.path.join(seeds, target))):
            with open(os.path.join(seeds, target, seed), "rb") as f:
                data = f.read()
            head, body = (data[:1], data[1:]) if target in SELECTOR else (b"", data)
            if body:
                with open(os.path.join(directory, "repeat-" + seed), "wb") as f:
                    f.write(head + repeat(body + b"\n"))


if __name__ == "__main__":
    main()
