#!/usr/bin/env python3
"""Fails when an #include crosses the layering of shared/DESIGN.md and STYLE.md.

  * lib/ never includes a program (dnsd/, zonesync/, signup-web/, bgp-hooks/);
  * a program includes lib/ and its own headers, never another program's;
  * each lib module includes only the modules below it (the table below);
  * third-party headers stay where they belong: ldns in lib/zonefile, toml++
    in lib/options, cpp-httplib in lib/http (and signup-web's pages), SQLite in
    lib/db (the programs' stores use it through that), libmaxminddb in dnsd/stats, Boost.Asio in lib/io,
    lib/http and the programs.

Prints one line per violation and "layering: N files checked, M violations";
exits 1 when there is any. Run from anywhere: it finds the checkout itself.
"""

import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PROGRAMS = ("dnsd", "zonesync", "signup-web", "bgp-hooks")

# lib module -> the lib modules it may include (besides itself).
ALLOWED = {
    "base": set(),
    "wire": {"base"},
    "zone": {"wire", "base"},
    "answer": {"zone", "wire", "base"},
    "secondary": {"wire", "base"},
    "xfr": {"zone", "wire", "base"},
    "zonefile": {"zone", "wire", "base"},
    "io": {"secondary", "xfr", "zone", "wire", "base"},
    "options": {"io", "secondary", "xfr", "zone", "wire", "base"},
    "http": {"io", "secondary", "xfr", "zone", "wire", "base"},
    "db": {"base"},
}

# third-party header pattern -> where it may be included (path prefixes).
THIRD_PARTY = [
    (re.compile(r"^ldns/"), ("lib/zonefile/",)),
    (re.compile(r"^toml\+\+/"), ("lib/options/",)),
    (re.compile(r"^httplib\.h$"), ("lib/http/", "signup-web/")),
    (re.compile(r"^sqlite3\.h$"), ("lib/db/",)),
    (re.compile(r"^maxminddb\.h$"), ("dnsd/stats",)),
    (re.compile(r"^boost/asio"), ("lib/io/", "lib/http/", "dnsd/", "zonesync/", "signup-web/", "bgp-hooks/")),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def sources():
    for top in ("lib",) + PROGRAMS:
        base = os.path.join(ROOT, top)
        if not os.path.isdir(base):
            continue
        for dirpath, _dirs, files in os.walk(base):
            for f in files:
                if f.endswith((".hpp", ".cpp", ".h", ".cc")):
                    yield os.path.relpath(os.path.join(dirpath, f), ROOT)


def violations(path, text):
    out = []
    parts = path.split(os.sep)
    top = parts[0]
    module = parts[1] if top == "lib" and len(parts) > 2 else None
    for n, line in enumerate(text.splitlines(), 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        kind, inc = m.groups()
        where = "%s:%d: #include %s" % (path, n, inc)
        if kind == '"':
            target = inc.split("/")
            if target[0] in PROGRAMS:
                if top == "lib":
                    out.append(where + ": lib/ includes a program")
                elif target[0] != top:
                    out.append(where + ": a program includes another program's header")
            elif target[0] == "lib" and len(target) > 2 and module is not None:
                dep = target[1]
                if dep != module and dep not in ALLOWED.get(module, set()):
                    out.append(where + ": lib/%s may not include lib/%s" % (module, dep))
        else:
            for pattern, allowed in THIRD_PARTY:
                if pattern.search(inc) and not any(path.startswith(a) for a in allowed):
                    out.append(where + ": only %s may include it" % ", ".join(allowed))
    return out


def main():
    found = []
    count = 0
    for path in sorted(sources()):
        count += 1
        with open(os.path.join(ROOT, path), errors="replace") as f:
            found += violations(path, f.read())
        module = path.split(os.sep)[1] if path.startswith("lib" + os.sep) and path.count(os.sep) > 1 else None
        if module is not None and module not in ALLOWED:
            found.append("%s: lib/%s is not in the layering table of scripts/check_layering.py" % (path, module))
    for v in found:
        print(v)
    print("layering: %d files checked, %d violations" % (count, len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
