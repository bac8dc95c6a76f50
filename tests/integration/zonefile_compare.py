#!/usr/bin/python3
"""Zone-file parsing compared byte for byte: Knot DNS, NSD and ldns (and dnsd).

Run with /usr/bin/python3 (the imported compare_answers.py needs dnspython;
the wire handling itself is rawwire.py, stdlib only):

    /usr/bin/python3 tests/integration/zonefile_compare.py [--zone FILE]
        [--origin NAME] [--each] [--dnsd PATH] [--keep] [--verbose]

The zone file (default zones/types.example.zone) is

  * loaded by knotd and by nsd on free 127.0.0.1 ports (configs written in a
    temp dir, transfers allowed to 127.0.0.1) and transferred from each by
    a raw AXFR (rawwire.axfr: rdata names decompressed, all else raw bytes);
  * printed by `ldns-read-zone -U NULL FILE`, which writes every record in
    RFC 3597 form `TYPEn \\# LEN HEX` (`-U X` means "all types but X"; ldns
    1.8.3 refuses a TYPEnnn there, e.g. -U TYPE65535 prints nothing; NULL
    records are printed as `NULL \\# LEN HEX` anyway, so nothing is lost);
  * with --dnsd, transferred from dnsd (started with --allow-transfer) the
    same way.

Each source gives a multiset of (lowercased owner, type, class, TTL, rdata
bytes).  Records are grouped by (owner, type, class); a group whose multisets
differ between any two sources is printed with, for every source, its records
in presentation form (ldns's own text where ldns has the same bytes, else
dnspython's) and as RFC 3597 hex.  A source that refuses the file is a
failure too; its log lines are printed.

--each checks every blank-line separated block of the file on its own, with
the first block (directives, SOA, NS) as header, and ends with a summary of
the blocks that differ (see zones/types-extra.example.zone).

The last line is "zonefile_compare: N passed, M failed" (N, M count groups,
or blocks with --each); exit status 0 only if M == 0, 2 if a tool is missing.
"""

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import rawwire  # noqa: E402
from netutil import free_port  # noqa: E402
from harness import KNOTD, NSD, Server, start_knot, start_nsd  # noqa: E402

DEFAULT_ZONE = os.path.join(HERE, "zones", "types.example.zone")
LDNS_READ_ZONE = shutil.which("ldns-read-zone") or "ldns-read-zone"
# ldns-read-zone -U TYPE: print every type except TYPE in RFC 3597 form.
LDNS_EXCEPT_TYPE = "NULL"


def log(*args):
    print(*args, flush=True)


class Refused(Exception):
    """A source could not load the zone; the message says why."""


# --------------------------------------------------------------------------
# the zone file

def zone_origin(path):
    """The first $ORIGIN of the file, else the file name less '.zone'."""
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"\s*\$ORIGIN\s+(\S+)", line, re.IGNORECASE)
            if m:
                o = m.group(1)
                return o if o.endswith(".") else o + "."
    base = os.path.basename(path)
    if base.endswith(".zone"):
        base = base[:-5]
    return base.rstrip(".") + "."


# --------------------------------------------------------------------------
# ldns

def _split_generic(line):
    """OWNER TTL CLASS TYPE \\# LEN [HEX...] -> fields; the owner may hold
    escaped blanks (\\032 is used by ldns, but be safe with "\\ ")."""
    toks, cur, i = [], [], 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            cur.append(line[i:i + 2])
            i += 2
            continue
        if c in " \t":
            if cur:
                toks.append("".join(cur))
                cur = []
        else:
            cur.append(c)
        i += 1
    if cur:
        toks.append("".join(cur))
    return toks


def ldns_records(path, origin):
    """Records as ldns reads them: (records, text by record)."""
    def run(args):
        p = subprocess.run([LDNS_READ_ZONE] + args + [path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, errors="replace", text=True)
        if p.returncode != 0 or "rror" in p.stderr:
            raise Refused("ldns-read-zone %s: exit %d\n%s" % (" ".join(args), p.returncode,
                                                             p.stderr.strip()))
        return [l for l in p.stdout.splitlines() if l.strip() and not l.startswith(";")]

    generic = run(["-U", LDNS_EXCEPT_TYPE])
    if not generic:
        raise Refused("ldns-read-zone -U %s printed no record" % LDNS_EXCEPT_TYPE)
    text = run([])
    records = []
    for line in generic:
        t = _split_generic(line)
        if len(t) < 6 or t[4] != "\\#":
            raise Refused("ldns-read-zone: unexpected line %r" % line)
        owner = rawwire.name_to_text(rawwire.text_to_name(t[0]), lower=True)
        ttl = int(t[1])
        rclass = rawwire.text_to_class(t[2])
        rtype = rawwire.text_to_type(t[3])
        n = int(t[5])
        rdata = bytes.fromhex("".join(t[6:]))
        if len(rdata) != n:
            raise Refused("ldns-read-zone: length %d but %d bytes in %r" % (n, len(rdata), line))
        records.append(rawwire.Record(owner, rtype, rclass, ttl, rdata))
    texts = {}
    if len(text) == len(records):
        for r, line in zip(records, text):
            texts.setdefault(r, re.sub(r"\s+", " ", line.strip()))
    return records, texts


# --------------------------------------------------------------------------
# knot and nsd, with transfers allowed

class ZoneRef:
    """A zone as the server starters take it (like compare_answers.Zone)."""

    def __init__(self, origin, path):
        self.origin = origin
        self.path = path


def start_knot_xfr(tmp, port, zone):
    return start_knot(tmp, port, [zone], xfr=True)


def start_nsd_xfr(tmp, port, zone):
    return start_nsd(tmp, port, [zone], xfr=True)


def log_tail(server, limit=4000):
    out = []
    for p in (server.logpath, getattr(server, "stdout_path", None)):
        if not p:
            continue
        try:
            with open(p, errors="replace") as f:
                out.append(f.read()[-limit:])
        except OSError:
            pass
    return "\n".join(out)


# log lines that mean the zone file was refused (no need to wait longer)
LOAD_FAILED = re.compile(r"failed to load|error in zone|event 'load' failed"     # knot
                         r"|with \d+ errors|has \d+ errors|syntax error"          # nsd
                         r"|unrecognized RR type", re.IGNORECASE)


def wait_loaded(server, zone, limit=10.0):
    """Wait until server answers the zone's SOA authoritatively; raise Refused
    at once when its log says the file was refused, or after limit seconds."""
    deadline = time.time() + limit
    last = "no answer"
    while time.time() < deadline:
        if server.proc.poll() is not None:
            raise Refused("%s exited with status %s\n%s" % (server.name, server.proc.poll(),
                                                           log_tail(server)))
        tail = log_tail(server)
        if LOAD_FAILED.search(tail):
            time.sleep(0.2)     # let it finish logging
            raise Refused("%s refused the zone file:\n%s" % (
                server.name, "\n".join(l for l in log_tail(server).splitlines()
                                       if LOAD_FAILED.search(l) or "error" in l.lower())))
        try:
            m = rawwire.query("127.0.0.1", server.port, zone.origin, "SOA", tcp=False,
                              timeout=0.3)
            if m.rcode == 0 and m.aa and any(r.rtype == 6 for r in m.answer):
                return
            last = "rcode %d" % m.rcode
        except (OSError, rawwire.FormError) as e:
            last = str(e)
        time.sleep(0.1)
    raise Refused("%s did not serve %s within %.0fs (%s)\n%s" % (
        server.name, zone.origin, limit, last, log_tail(server)))


def server_records(server, zone, wait=10.0):
    wait_loaded(server, zone, wait)
    try:
        return rawwire.axfr("127.0.0.1", server.port, zone.origin, timeout=20.0)
    except (OSError, rawwire.FormError) as e:
        raise Refused("AXFR from %s failed: %s\n%s" % (server.name, e, log_tail(server)))


# --------------------------------------------------------------------------
# dnsd

def query_dnsd_records(binary, zone_path, origin, tmp, ports):
    """The zone as dnsd loads it, as a list of rawwire.Record (owner
    lowercased text, type, class, TTL, rdata with names uncompressed), the
    SOA once: dnsd started with --allow-transfer for 127.0.0.1, then an AXFR.
    Raises Refused with the log tail when dnsd rejects the file."""
    d = os.path.join(tmp, "dnsd")
    os.makedirs(d, exist_ok=True)
    port = free_port(ports)
    s = Server("dnsd", port)
    s.start([binary, "--listen", "127.0.0.1:%d" % port, "--threads", "1", "--allow-transfer", "127.0.0.1",
             "--zone-file", "%s=%s" % (origin, zone_path)], os.path.join(d, "dnsd.log"))
    try:
        deadline = time.time() + 10
        while True:
            if s.proc.poll() is not None:
                raise Refused("dnsd exited with status %s\n%s" % (s.proc.poll(), log_tail(s)))
            if "not loaded" in log_tail(s):
                raise Refused("dnsd refused the zone file:\n%s" % log_tail(s))
            try:
                m = rawwire.query("127.0.0.1", port, origin, "SOA", tcp=False, timeout=0.3)
                if m.rcode == 0 and m.aa and m.answer:
                    break
            except (OSError, rawwire.FormError):
                pass
            if time.time() > deadline:
                raise Refused("dnsd does not serve %s:\n%s" % (origin, log_tail(s)))
            time.sleep(0.05)
        try:
            return rawwire.axfr("127.0.0.1", port, origin, timeout=20.0)
        except (OSError, rawwire.FormError) as e:
            raise Refused("AXFR from dnsd failed: %s\n%s" % (e, log_tail(s)))
    finally:
        s.stop()


# --------------------------------------------------------------------------
# comparison

def presentation(rec, texts):
    """A record's text: ldns's own presentation when ldns has the same bytes
    (owner lowercased), dnspython's when it can, else RFC 3597."""
    t = texts.get(rec)
    if t:
        return t
    try:
        import dns.rdata
        import dns.rdataclass
        import dns.rdatatype
        rd = dns.rdata.from_wire(dns.rdataclass.RdataClass.make(rec.rclass),
                                 dns.rdatatype.RdataType.make(rec.rtype), rec.rdata, 0,
                                 len(rec.rdata))
        return "%s %d %s %s %s" % (rec.owner, rec.ttl, rawwire.class_to_text(rec.rclass),
                                   rawwire.type_to_text(rec.rtype), rd.to_text())
    except Exception:   # noqa: BLE001 - any parse trouble: generic form
        return rec.generic()


def compare(results, texts, verbose, indent="", skip=None):
    """results: source -> list of records (None if it refused).  Prints the
    groups that differ (all groups with verbose); returns (passed, failed,
    list of one-line summaries of the differences).  skip: source -> groups
    (owner, type, class) that source cannot show, left out of its comparison."""
    skip = skip or {}
    have = {s: collections.Counter(r) for s, r in results.items() if r is not None}
    groups = collections.defaultdict(lambda: {s: collections.Counter() for s in have})
    for s, c in have.items():
        for rec, n in c.items():
            groups[(rec.owner, rec.rtype, rec.rclass)][s][rec] += n
    for s, keys in skip.items():
        for key in keys:
            if key in groups:
                groups[key].pop(s, None)
    passed = failed = 0
    summaries = []
    for key in sorted(groups, key=lambda k: (k[0].split(".")[::-1], k[1], k[2])):
        per = groups[key]
        ref = next(iter(per.values()))
        title = "%s %s %s" % (key[0], rawwire.class_to_text(key[2]), rawwire.type_to_text(key[1]))
        same = all(c == ref for c in per.values())
        if same:
            passed += 1
            if not verbose:
                continue
            log("%ssame %s: %s" % (indent, title, "=".join(per)))
        else:
            failed += 1
            log("\n%sDIFF %s" % (indent, title))
        # sources that agree with each other
        seen = []
        for s, c in per.items():
            for entry in seen:
                if entry[1] == c:
                    entry[0].append(s)
                    break
            else:
                seen.append(([s], c))
        if not same:
            summaries.append("%s: %s" % (title, " / ".join("=".join(n) for n, _ in seen)))
        for names, c in seen:
            if not same:
                log("%s  %s:" % (indent, "=".join(names)))
            if not c:
                log("%s    (no record)" % indent)
            for rec in sorted(c, key=lambda r: (r.ttl, r.rdata)):
                mult = " (x%d)" % c[rec] if c[rec] > 1 else ""
                log("%s    %s%s" % (indent, presentation(rec, texts), mult))
                log("%s      ttl %d  \\# %d %s" % (indent, rec.ttl, len(rec.rdata),
                                                  rec.rdata.hex()))
    return passed, failed, summaries


def check_file(zone_file, origin, tmp, dnsd=None, verbose=False, indent=""):
    """Load zone_file into every source and compare; returns (passed, failed,
    summaries).  A refusal counts as one failure."""
    os.makedirs(tmp)
    path = os.path.join(tmp, origin + "zone")
    shutil.copyfile(zone_file, path)
    zone = ZoneRef(origin, path)
    servers, results, refusals, texts, skip = [], {}, {}, {}, {}
    t0 = time.time()
    try:
        ports = set()
        knot = start_knot_xfr(tmp, free_port(ports), zone)
        servers.append(knot)
        nsd = start_nsd_xfr(tmp, free_port(ports), zone)
        servers.append(nsd)
        try:
            results["ldns"], texts = ldns_records(path, origin)
        except Refused as e:
            results["ldns"], refusals["ldns"] = None, str(e)
        for s in (knot, nsd):
            try:
                results[s.name] = server_records(s, zone)
            except Refused as e:
                results[s.name], refusals[s.name] = None, str(e)
            s.stop()
        if dnsd:
            try:
                results["dnsd"] = query_dnsd_records(dnsd, path, origin, tmp, ports)
            except Refused as e:
                results["dnsd"], refusals["dnsd"] = None, str(e)
    finally:
        for s in servers:
            s.stop()
    log("%s%s: %s (%.1fs)" % (indent, origin, ", ".join(
        "%s %s" % (s, "REFUSED" if r is None else "%d records" % len(r))
        for s, r in results.items()), time.time() - t0))
    for s, why in refusals.items():
        log("%sREFUSED by %s:\n%s  %s" % (indent, s, indent,
                                          why.strip().replace("\n", "\n  " + indent)))
    passed, failed, summaries = compare(results, texts, verbose, indent, skip)
    summaries = ["refused by %s" % s for s in refusals] + summaries
    if dnsd:
        ok, why = dnsd_verdict(results, skip.get("dnsd", set()))
        summaries.append("dnsd: %s (%s)" % ("ok" if ok else "WRONG", why))
        log("%sdnsd: %s, %s" % (indent, "ok" if ok else "WRONG", why))
    return passed, failed + len(refusals), summaries


def canonical(rec):
    """A record with the names in its RDATA lowercased (RFC 4034 6.2)."""
    if rec.rtype in (3, 4, 7, 8, 9, 14):
        # MD, MF, MB, MG, MR, MINFO: RDATA of names only (length octets < 64)
        return rawwire.Record(rec.owner, rec.rtype, rec.rclass, rec.ttl, rec.rdata.lower())
    try:
        import dns.rdata
        rd = dns.rdata.from_wire(rec.rclass, rec.rtype, rec.rdata, 0, len(rec.rdata))
        return rawwire.Record(rec.owner, rec.rtype, rec.rclass, rec.ttl, rd.to_digestable())
    except Exception:   # noqa: BLE001 - a type dnspython cannot read: as is
        return rec


# Blocks of types-extra.example.zone where dnsd deliberately follows neither
# Knot nor NSD (first label of the owner -> why).
DECIDED = {
    "ttl-mixed": "RRs of one RRset with different TTLs all get the lowest (RFC 2181 5.2); "
                 "Knot gives all the highest, NSD keeps each",
}


def dnsd_verdict(results, skip):
    """Whether dnsd read the block as it should: where Knot and NSD accept
    it and agree, dnsd must give the same records (names inside RDATA may
    keep their case: dnsd, like ldns and BIND, serves the case the file has,
    where Knot and NSD lower it); where they disagree, dnsd must match one of
    them; where only one accepts, dnsd may match it or refuse; where both
    refuse, dnsd must refuse unless it reads it as ldns does (types Knot and
    NSD do not implement, such as GPOS and HIP).  Returns (ok, reason)."""
    def view(src, canon=False):
        recs = results.get(src)
        if recs is None:
            return None
        recs = [r for r in recs if (r.owner, r.rtype, r.rclass) not in skip]
        return collections.Counter(canonical(r) if canon else r for r in recs)

    d, k, n, l = view("dnsd"), view("knot"), view("nsd"), view("ldns")
    if d is not None and l is not None:
        owners = {r.owner for r in d.elements()} | {r.owner for r in l.elements()}
        for owner, why in DECIDED.items():
            if any(o.startswith(owner + ".") for o in owners):
                return True, why
    accepted = [x for x, v in (("knot", k), ("nsd", n)) if v is not None]
    same = [x for x, v in (("knot", k), ("nsd", n), ("ldns", l)) if v is not None and v == d]
    same_case = [x for x in ("knot", "nsd") if results.get(x) is not None and d is not None
                 and view(x, True) == view("dnsd", True)]
    if len(accepted) == 2 and k == n:
        if d is None:
            return False, "refused what Knot and NSD accept alike"
        if "knot" in same:
            return True, "as Knot and NSD"
        if same_case:
            return True, "as Knot and NSD but for the case of names in RDATA"
        return False, "differs from Knot and NSD, which agree"
    if len(accepted) == 2:
        if d is not None and (set(same) & {"knot", "nsd"} or same_case):
            return True, "as %s (Knot and NSD differ)" % "+".join(same or same_case)
        return False, "matches neither Knot nor NSD, which differ"
    if len(accepted) == 1:
        if d is None:
            return True, "refused, as %s" % ("nsd" if accepted[0] == "knot" else "knot")
        if accepted[0] in same or accepted[0] in same_case:
            return True, "as %s (the other refuses)" % accepted[0]
        return False, "differs from %s, the only one that accepts" % accepted[0]
    if d is None:
        return True, "refused, as Knot and NSD"
    if "ldns" in same:
        return True, "read as ldns does (Knot and NSD refuse)"
    return False, "accepted what Knot and NSD refuse"





# --------------------------------------------------------------------------
# --each: one zone per block of the file

def blocks(zone_file):
    """The file as blank-line separated blocks: (header lines, [(first line
    number, lines)]).  The first block that is not only comments is the
    header (directives, SOA, NS, glue); blocks of comments only are left out."""
    with open(zone_file, encoding="latin-1") as f:
        lines = f.read().split("\n")
    out, cur, start = [], [], 0
    for n, line in enumerate(lines + [""], 1):
        if line.strip():
            if not cur:
                start = n
            cur.append(line)
        elif cur:
            if any(l.strip() and not l.lstrip().startswith(";") for l in cur):
                out.append((start, cur))
            cur = []
    if not out:
        return [], []
    return out[0][1], out[1:]


def first_record_line(lines):
    for l in lines:
        if l.strip() and not l.lstrip().startswith(";"):
            # the file is read as latin-1 (bytes kept); show UTF-8 as such
            return l.strip().encode("latin-1").decode("utf-8", "replace")
    return ""


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zone", default=DEFAULT_ZONE, help="zone file (default %(default)s)")
    ap.add_argument("--origin", help="zone origin (default: the file's first $ORIGIN)")
    ap.add_argument("--dnsd", help="path of the dnsd binary (compared too)")
    ap.add_argument("--each", action="store_true",
                    help="test every blank-line separated block of the file on its own, "
                         "after the first block (the header: $ORIGIN, $TTL, SOA, NS)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--verbose", action="store_true",
                    help="print the groups that agree too, with their bytes")
    args = ap.parse_args()

    zone_file = os.path.abspath(args.zone)
    if not os.path.isfile(zone_file):
        ap.error("no such zone file: %s" % zone_file)
    origin = args.origin or zone_origin(zone_file)
    if not origin.endswith("."):
        origin += "."
    if args.dnsd:
        args.dnsd = os.path.abspath(args.dnsd)
        if not os.access(args.dnsd, os.X_OK):
            ap.error("dnsd binary not executable: %s" % args.dnsd)
    for tool in (KNOTD, NSD, LDNS_READ_ZONE):
        if not shutil.which(tool):
            log("zonefile_compare: missing tool %s" % tool)
            return 2

    def on_signal(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_signal)

    tmp = tempfile.mkdtemp(prefix="dnsd-zonefile-")
    log("zone file %s, origin %s, temp dir %s" % (zone_file, origin, tmp))
    passed = failed = 0
    try:
        if not args.each:
            passed, failed, _ = check_file(zone_file, origin, os.path.join(tmp, "zone"),
                                           args.dnsd, args.verbose)
        else:
            header, parts = blocks(zone_file)
            table = []
            for i, (line, lines) in enumerate(parts):
                part = os.path.join(tmp, "part%03d.zone" % i)
                with open(part, "w", encoding="latin-1") as f:
                    f.write("\n".join(header) + "\n\n" + "\n".join(lines) + "\n")
                log("\n== line %d: %s" % (line, first_record_line(lines)))
                p, fl, summaries = check_file(part, origin, os.path.join(tmp, "part%03d" % i),
                                              args.dnsd, args.verbose, indent="   ")
                if args.dnsd:
                    # with --dnsd, a block fails only when dnsd reads it wrongly
                    wrong = any(x.startswith("dnsd: WRONG") for x in summaries)
                    passed += 0 if wrong else 1
                    failed += 1 if wrong else 0
                else:
                    # the header's own groups are counted once, not per block
                    passed += (1 if fl == 0 else 0)
                    failed += (1 if fl else 0)
                table.append((line, first_record_line(lines), summaries))
            log("\n== summary (one line per block that differs)")
            for line, text, summaries in table:
                if summaries and (not args.dnsd or len(summaries) > 1 or "WRONG" in summaries[0]):
                    log("line %d: %s\n    %s" % (line, text[:100], "\n    ".join(summaries)))
    finally:
        if args.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    log("zonefile_compare: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
