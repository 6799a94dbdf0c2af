"""Print requirements/constraints.txt: a pin for every distribution that the given requirements
files pull in, direct and transitive, at the version installed in this virtualenv.

    .venv/bin/python requirements/constraints.py requirements/base.txt requirements/dev.txt ...
"""

import importlib.metadata as md
import re
import sys

from packaging.requirements import Requirement

HEADER = """\
# Every distribution the requirements files install, direct and transitive, pinned to the
# versions the suite runs with. A constraints file (pip install -c): it pins versions and
# installs nothing by itself. Regenerate after changing a requirements file: make constraints.
"""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def roots(paths: list[str]) -> list[Requirement]:
    found = []
    for path in paths:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                line = line.split("#")[0].strip()
                if line and not line.startswith("-"):
                    found.append(Requirement(line))
    return found


def pins(paths: list[str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    stack = roots(paths)
    while stack:
        requirement = stack.pop()
        name = canonical(requirement.name)
        if name in seen:
            continue
        dist = md.distribution(requirement.name)
        seen[name] = dist.version
        for text in dist.requires or []:
            sub = Requirement(text)
            extras = set(requirement.extras) | {""}
            if sub.marker and not any(sub.marker.evaluate({"extra": extra}) for extra in extras):
                continue
            stack.append(sub)
    return seen


if __name__ == "__main__":
    sys.stdout.write(HEADER)
    for name, version in sorted(pins(sys.argv[1:]).items()):
        sys.stdout.write(f"{name}=={version}\n")
