"""Fail when the virtualenv holds a distribution that requirements.lock does not pin.

CI installs with ``pip install -c requirements.lock -e ".[test]"``: the lock pins every
version it names, and a dependency added to pyproject.toml without re-locking would slip
in unpinned. This catches that. Regenerate the lock as the README says (Tests and CI).
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import distributions
from pathlib import Path

NOT_LOCKED = {"commerce", "pip", "setuptools", "wheel"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> int:
    lock = Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock")
    pinned: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pinned[canonical(name)] = version.split(";")[0].strip()
    problems = []
    for dist in distributions():
        name = canonical(dist.metadata["Name"])
        if name in NOT_LOCKED:
            continue
        if name not in pinned:
            problems.append(f"{name} {dist.version} is installed but not in {lock}")
        elif pinned[name] != dist.version:
            problems.append(f"{name} {dist.version} is installed; {lock} pins {pinned[name]}")
    for problem in sorted(problems):
        print(problem)
    if problems:
        print(f"re-lock: pip-compile --extra test --strip-extras --no-emit-index-url "
              f"--no-emit-find-links -o {lock} pyproject.toml")
        return 1
    print(f"every installed distribution is pinned by {lock} ({len(pinned)} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
