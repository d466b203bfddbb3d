"""Adds up the `test result:` lines of `cargo test` output and prints one
closing line, `tests: N passed, N failed`. Exits non-zero when a test failed
or none ran.

    python3 infra/test_summary.py target/test-output.log
"""

import re
import sys


def main() -> int:
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    passed = failed = ignored = 0
    for match in re.finditer(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", text):
        passed += int(match.group(1))
        failed += int(match.group(2))
        ignored += int(match.group(3))
    print(f"tests: {passed} passed, {failed} failed, {ignored} skipped")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
