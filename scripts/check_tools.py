"""Checks that the Python tools installed in this interpreter's environment are exactly the
pinned ones, and prints each tool's version so a log says what ran.

    python3 scripts/check_tools.py GROUP scripts/python-tools.txt [scripts/python-tools.lock]

Both files are sectioned by `[group]` lines; only GROUP's lines are checked, against the
environment of the interpreter running this script (the group's venv). Exit status 1, naming
each difference, when a pinned tool (or a locked dependency) is missing or at another version.
scripts/tools.sh runs it in every group's venv after every setup.
"""

import re
import sys
from importlib import metadata

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;#]+)")


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


SECTION = re.compile(r"^\[([a-z0-9-]+)\]$")


def read_pins(path, group):
    pins = []
    current = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            section = SECTION.match(line)
            if section:
                current = section.group(1)
                continue
            if not line or current != group:
                continue
            m = PIN.match(line)
            if not m:
                sys.exit(f"{path}: `{line}` is not an exact pin (name==version)")
            pins.append((m.group(1), m.group(3)))
    return pins


def installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    group = argv[1]
    problems = []
    print(f"python tools [{group}] ({sys.prefix}):")
    pins = read_pins(argv[2], group)
    if not pins:
        sys.exit(f"{argv[2]}: no pins in group [{group}]")
    for name, want in pins:
        have = installed(name)
        print(f"  {name:<24} {have or 'missing':<12} (pinned {want})")
        if have != want:
            problems.append(f"{name}: pinned {want}, installed {have or 'nothing'}")
    if len(argv) > 3:
        try:
            locked = read_pins(argv[3], group)
        except FileNotFoundError:
            locked = []
        for name, want in locked:
            have = installed(name)
            if have is None or canonical(have) != canonical(want):
                problems.append(f"{name} (locked dependency): {want}, installed {have or 'nothing'}")
    if problems:
        print("error: the Python tools differ from scripts/python-tools.txt / .lock:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        print("  fix: rm -rf target/tools/venv && ./scripts/tools.sh", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
