#!/usr/bin/env python3
"""Lines of shipped Rust: every .rs file a function links (under shared/ and
functions/, build scripts included), without tests and test support.

Left out: `tests/` folders, the test-support crate (`shared/testing`, or
`shared/src/testing` in the layout before the crates), files a
`#[cfg(test)] mod name;` points to, and the body of every inline
`#[cfg(test)] mod name { ... }`. Lines are counted as they stand, comments
and blank lines included.

    python3 infra/shipped_lines.py [ROOT]      # ROOT: a checkout, default .
"""

import re
import sys
from pathlib import Path

TEST_SUPPORT = ("shared/testing/", "shared/src/testing/")
CFG_TEST_FILE = re.compile(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+(\w+)\s*;")
CFG_TEST_INLINE = re.compile(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+\w+\s*\{")


def shipped(root: Path):
    files = sorted(p for d in ("shared", "functions") for p in (root / d).rglob("*.rs"))
    test_files = set()
    for path in files:
        for name in CFG_TEST_FILE.findall(path.read_text()):
            folder = path.parent if path.name in ("mod.rs", "lib.rs", "main.rs") else path.with_suffix("")
            test_files |= {folder / f"{name}.rs", folder / name / "mod.rs"}
            test_files |= set((folder / name).rglob("*.rs"))
    for path in files:
        rel = path.relative_to(root).as_posix()
        if "/tests/" in rel or rel.startswith(TEST_SUPPORT) or path in test_files:
            continue
        yield rel, count(path.read_text())


def count(text: str) -> int:
    """Lines of `text` outside inline `#[cfg(test)]` modules."""
    for match in reversed(list(CFG_TEST_INLINE.finditer(text))):
        depth, end = 0, match.end() - 1
        for i in range(end, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                end = i + 1
                break
        text = text[: match.start()] + text[end:]
    return len(text.splitlines())


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    totals = {}
    for rel, lines in shipped(root):
        parts = rel.split("/")
        key = "/".join(parts[:2]) if parts[0] == "functions" or parts[1] != "src" else "/".join(parts[:3])
        totals[key] = totals.get(key, 0) + lines
    for key, lines in sorted(totals.items()):
        print(f"{lines:7} {key}")
    print(f"{sum(totals.values()):7} shipped Rust")


if __name__ == "__main__":
    main()
