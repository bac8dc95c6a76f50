#!/usr/bin/python3
"""Compare dnsd's answers with those of Knot DNS and NSD.

Run with /usr/bin/python3 (needs dnspython >= 2.3).  The script signs copies
of the zones in zones/ (NSEC, NSEC3, NSEC3 opt-out), starts knotd, nsd and
(unless --reference-only) dnsd on free loopback ports, sends a few thousand
queries to all of them and compares the answers:

  * rcode (incl. extended rcode), header flags, EDNS presence/version/DO,
  * answer and authority sections as sets of RRsets
    (owner lowercased, class, type, TTL, set of canonical rdata),
  * the additional section is only reported.

A difference is a failure when Knot and NSD agree and dnsd differs (unless an
entry of compare_exceptions.md matches), or when Knot and NSD disagree and dnsd
matches neither.  The last line is "compare: N passed, M failed".

Zones served: example.com. (unsigned), example.net., nsec.example. (NSEC),
nsec3.example. (NSEC3), optout.example. (NSEC3 opt-out) and, for each, a served
child zone sub2.<zone> (with DS in the signed parents).  Keys: ldns-keygen
(ECDSAP256SHA256); NSEC/NSEC3 signing: ldns-signzone.  The opt-out zone is
signed with BIND's dnssec-signzone -A when it is installed, because
ldns-signzone -p only sets the flag and still covers insecure delegations.
dnsd is started as: DNSD --listen 127.0.0.1:PORT --threads 1
--zone-file ORIGIN.=PATH ... (origins with a trailing dot).
"""

import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from netutil import free_port
from harness import KNOTD, NSD, Server, start_dnsd, start_knot, start_nsd  # noqa: F401

try:
    import dns.edns
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.zone
except ImportError:  # pragma: no cover
    sys.exit("compare_answers.py needs dnspython; run it with /usr/bin/python3")

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES_DIR = os.path.join(HERE, "zones")
EXCEPTIONS_FILE = os.path.join(HERE, "compare_exceptions.md")

LDNS_KEYGEN = shutil.which("ldns-keygen") or "ldns-keygen"
LDNS_SIGNZONE = shutil.which("ldns-signzone") or "ldns-signzone"
LDNS_READ_ZONE = shutil.which("ldns-read-zone") or "ldns-read-zone"
# ldns-signzone -p only sets the opt-out flag but still generates NSEC3 RRs
# for insecure delegations; BIND's dnssec-signzone -A really opts them out.
BIND_SIGNZONE = shutil.which("dnssec-signzone", path="/usr/sbin:/usr/bin:/sbin:/bin")

TEMPLATE_ORIGIN = "example.com."
# classes.example.zone: unsigned, NSEC and NSEC3 (origins of one length, for the long names)
CLASS_TEMPLATE_ORIGIN = "cu.example."
CLASS_ORIGINS = ("cu.example.", "cn.example.", "c3.example.")
CLASS_TYPES = ["A", "TXT", "CNAME", "DNAME", "DS", "NS", "SOA", "RRSIG", "NSEC", "NSEC3", "ANY"]
NSEC3_SALT = "cafe"
NSEC3_ITERATIONS = 0
SIG_INCEPTION = "20200101000000"
SIG_EXPIRATION = "20500101000000"

STOP = threading.Event()     # set on exit so that worker threads finish quickly

QUERY_TIMEOUT = 2.0
SPECIAL_TIMEOUT = 1.0

ALL_TYPES = ["A", "AAAA", "NS", "SOA", "MX", "TXT", "CNAME", "DNAME", "ANY",
             "DS", "DNSKEY", "NSEC", "SRV", "TYPE65280"]
SIGNED_EXTRA_TYPES = ["RRSIG", "NSEC3", "NSEC3PARAM"]
NEIGHBOUR_TYPES = ["A", "TXT", "NS", "DS", "ANY"]

# variant -> (transport, edns payload or None, DO bit)
VARIANTS = {
    "udp": ("udp", None, False),
    "edns": ("udp", 1232, False),
    "do": ("udp", 1232, True),
    "do512": ("udp", 512, True),
    "tcp": ("tcp", 1232, True),
}


# --------------------------------------------------------------------------
# helpers

def log(*args):
    print(*args, flush=True)


def run(cmd, cwd=None):
    res = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise RuntimeError("command failed: %s\n%s%s" % (" ".join(cmd), res.stdout, res.stderr))
    return res.stdout


def mixcase(text):
    out, upper = [], True
    for ch in text:
        if ch.isalpha():
            out.append(ch.upper() if upper else ch.lower())
            upper = not upper
        else:
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------
# zones

class Zone:
    def __init__(self, origin, path, text, signed):
        self.origin = origin            # text, absolute, lowercase
        self.path = path                # file served
        self.text = text                # unsigned zone text
        self.signed = signed
        self.unsigned_names = []        # owner names of the unsigned content
        self.model = None               # dns.zone.Zone of the served file
        self.classes = False            # built from classes.example.zone
        self.types = False              # types.example.zone: every record type


def substitute(text, origin, template=TEMPLATE_ORIGIN):
    return re.sub(re.escape(template), origin, text, flags=re.IGNORECASE)


def keygen(keydir, origin, ksk):
    cmd = [LDNS_KEYGEN, "-a", "ECDSAP256SHA256", "-r", "/dev/urandom"]
    if ksk:
        cmd.append("-k")
    cmd.append(origin)
    return os.path.join(keydir, run(cmd, cwd=keydir).strip())


def sign(zdir, origin, text, mode, extra=""):
    """Sign text (zone origin) with mode 'nsec', 'nsec3' or 'optout'.
    Returns (path of signed file, DS text of the KSK)."""
    keydir = os.path.join(zdir, "keys-" + origin.rstrip("."))
    os.makedirs(keydir, exist_ok=True)
    ksk = keygen(keydir, origin, True)
    zsk = keygen(keydir, origin, False)
    unsigned = os.path.join(zdir, origin + "unsigned")
    with open(unsigned, "w") as f:
        f.write(text)
        f.write(extra)
    signed = os.path.join(zdir, origin + "zone")
    if mode == "optout":
        if not BIND_SIGNZONE:
            # ldns-signzone -p would only set the flag: the zone would not test opt-out.
            raise RuntimeError("dnssec-signzone (Debian package bind9-utils) is needed to sign the opt-out zone")
        # real opt-out: no NSEC3 for insecure delegations (uses the ldns keys)
        with open(unsigned, "a") as f:
            for key in (ksk, zsk):
                with open(key + ".key") as k:
                    f.write(k.read())
        run([BIND_SIGNZONE, "-q", "-O", "full", "-3", NSEC3_SALT, "-H", str(NSEC3_ITERATIONS), "-A",
             "-o", origin, "-f", signed, "-s", SIG_INCEPTION, "-e", SIG_EXPIRATION,
             "-K", keydir, "-d", keydir, "-k", os.path.basename(ksk), unsigned,
             os.path.basename(zsk)], cwd=keydir)
    else:
        cmd = [LDNS_SIGNZONE, "-i", SIG_INCEPTION, "-e", SIG_EXPIRATION,
               "-o", origin, "-f", signed]
        if mode in ("nsec3", "optout"):
            cmd += ["-n", "-a", "1", "-t", str(NSEC3_ITERATIONS), "-s", NSEC3_SALT]
            if mode == "optout":
                cmd.append("-p")
        cmd += [unsigned, ksk, zsk]
        run(cmd)
    with open(ksk + ".ds") as f:
        ds = f.read()
    return signed, ds


def prepare_zones(tmp):
    zdir = os.path.join(tmp, "zones")
    os.makedirs(zdir)
    tmpl = {n: open(os.path.join(ZONES_DIR, n)).read()
            for n in ("example.com.zone", "sub2.example.com.zone", "example.net.zone")}
    zones = []

    def add_plain(origin, text):
        path = os.path.join(zdir, origin + "zone")
        with open(path, "w") as f:
            f.write(text)
        zones.append(Zone(origin, path, text, False))

    add_plain("example.com.", tmpl["example.com.zone"])
    add_plain("sub2.example.com.", tmpl["sub2.example.com.zone"])
    add_plain("example.net.", tmpl["example.net.zone"])

    for origin, mode in (("nsec.example.", "nsec"), ("nsec3.example.", "nsec3"),
                         ("optout.example.", "optout")):
        child = "sub2." + origin
        ctext = substitute(tmpl["sub2.example.com.zone"], origin)
        ptext = substitute(tmpl["example.com.zone"], origin)
        cpath, ds = sign(zdir, child, ctext, mode)
        ppath, _ = sign(zdir, origin, ptext, mode,
                        extra="\n; DS of the served child zone\n" + ds)
        zones.append(Zone(origin, ppath, ptext, True))
        zones.append(Zone(child, cpath, ctext, True))

    # The answer classes (CNAME/DNAME owners, chains, loops, long names, the same
    # delegations with and without signatures), unsigned, NSEC and NSEC3.
    ctmpl = open(os.path.join(ZONES_DIR, "classes.example.zone")).read()
    add_plain(CLASS_ORIGINS[0], ctmpl)
    zones[-1].classes = True
    for origin, mode in ((CLASS_ORIGINS[1], "nsec"), (CLASS_ORIGINS[2], "nsec3")):
        text = substitute(ctmpl, origin, CLASS_TEMPLATE_ORIGIN)
        path, _ = sign(zdir, origin, text, mode)
        zones.append(Zone(origin, path, text, True))
        zones[-1].classes = True

    # Every record type and presentation form (zonefile_compare.py checks the
    # bytes loaded; here the answers): each owner asked for each of its types.
    add_plain("types.example.", open(os.path.join(ZONES_DIR, "types.example.zone")).read())
    zones[-1].types = True

    for z in zones:
        if z.types:
            # dnspython refuses some forms that Knot, NSD and dnsd read (such as
            # no-default-alpn without alpn): the owners and types come from ldns.
            out = run([LDNS_READ_ZONE, z.path])
            z.owner_types = sorted({(l.split()[0], l.split()[3]) for l in out.splitlines()
                                    if l.strip() and not l.startswith(";")})
            continue
        z.model = dns.zone.from_file(z.path, origin=z.origin, relativize=False,
                                     check_origin=True)
        plain = dns.zone.from_text(z.text, origin=z.origin, relativize=False,
                                   check_origin=True)
        z.unsigned_names = sorted(plain.nodes.keys())
    return zones


# --------------------------------------------------------------------------
# servers

# --------------------------------------------------------------------------
# queries

class Query:
    __slots__ = ("name", "qtype", "variant", "kind", "cat", "wire", "compare", "desc",
                 "transport", "rdclass", "edns_opts")

    def __init__(self, name, qtype, variant, cat, rdclass="IN"):
        self.name = name
        self.qtype = qtype
        self.variant = variant
        self.cat = cat
        self.kind = "normal"        # normal | raw
        self.compare = "full"       # full | rcode | report
        self.wire = None
        self.desc = None
        self.transport = VARIANTS[variant][0] if variant in VARIANTS else "udp"
        self.rdclass = rdclass
        self.edns_opts = None

    def label(self):
        if self.desc:
            return self.desc
        extra = "" if self.rdclass == "IN" else " " + self.rdclass
        opts = " +ednsopt" if self.edns_opts else ""
        return "%s%s %s [%s%s]" % (self.name, extra, self.qtype, self.variant, opts)

    def message(self):
        payload, do = VARIANTS[self.variant][1], VARIANTS[self.variant][2]
        if payload is None:
            q = dns.message.make_query(self.name, self.qtype, self.rdclass, use_edns=False)
        else:
            q = dns.message.make_query(self.name, self.qtype, self.rdclass, use_edns=0,
                                       payload=payload, want_dnssec=do,
                                       options=self.edns_opts or [])
        q.flags &= ~dns.flags.RD      # like a resolver talking to an authoritative server
        return q


def classify(zone, name):
    """Rough category of name in zone (used to group the report)."""
    if zone.types:
        return "record-types"
    origin = dns.name.from_text(zone.origin)
    nodes = zone.model.nodes
    if not name.is_subdomain(origin):
        return "outside"
    # walk from the apex down
    labels = name.relativize(origin).labels if name != origin else ()
    cur = origin
    for i in range(len(labels) - 1, -1, -1):
        cur = dns.name.Name((labels[i],) + cur.labels)
        node = nodes.get(cur)
        last = (i == 0)
        if node is not None:
            if node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS):
                return "delegation" if last else "below-delegation"
            if not last and node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.DNAME):
                return "below-dname"
    node = nodes.get(name)
    if name == origin:
        return "apex"
    if node is not None:
        if any(rds.rdtype == dns.rdatatype.NSEC3 for rds in node.rdatasets):
            return "nsec3-owner"
        if name.labels[0] == b"*":
            return "wildcard-owner"
        if node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME):
            return "cname"
        if node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.DNAME):
            return "dname"
        return "existing"
    for n in nodes:
        if n.is_subdomain(name) and n != name:
            return "ent"
    # closest encloser + wildcard?
    ce = name.parent()
    while ce != origin and ce not in nodes and \
            not any(n.is_subdomain(ce) for n in nodes):
        ce = ce.parent()
    if dns.name.Name((b"*",) + ce.labels) in nodes:
        return "wildcard-match"
    return "nxdomain"


def neighbours(rel):
    """Non-existent names next to a relative owner name (text), each with a
    flag telling whether it gets the full set of neighbour queries."""
    if rel == "@":
        return [("nx", True), ("nx.nx", False)]
    if rel.startswith("*."):
        base = rel[2:]
        return [("nx." + base, True), ("a.b." + base, True), (mixcase("Wc." + base), True)]
    first, _, rest = rel.partition(".")
    return [("nx." + rel, True), (first + "-nx" + ("." + rest if rest else ""), False)]


def build_queries(zones):
    queries = []
    seen = set()

    def add(zone, name, types, variants):
        dn = dns.name.from_text(name)
        cat = classify(zone, dn)
        for variant in variants:
            for t in types:
                key = (name, t, variant)
                if key in seen:
                    continue
                seen.add(key)
                queries.append(Query(name, t, variant, cat))

    for z in zones:
        if z.classes:
            add_class_queries(z, add)
            continue
        if z.types:
            owners = collections.defaultdict(set)
            for owner, rtype in z.owner_types:
                owners[owner].add(rtype)
            for owner, types in sorted(owners.items()):
                add(z, owner, sorted(types) + ["A", "ANY", "RRSIG"], ["edns", "do"])
            continue
        origin = dns.name.from_text(z.origin)
        main = "do" if z.signed else "edns"
        types = ALL_TYPES + (SIGNED_EXTRA_TYPES if z.signed else [])
        secondary = {"udp": ["A", "ANY"], "do512": ["A", "TXT"], "tcp": ["A", "ANY", "TXT"]}
        if z.signed:
            secondary["edns"] = ["A"]
        if z.origin.startswith("sub2."):
            # small child zones: the parent side is what matters
            types = ["A", "NS", "SOA", "DS", "DNSKEY", "ANY", "TXT", "NSEC", "NSEC3"]
            secondary = {"tcp": ["A", "DS"]}
        elif z.origin.startswith("nsec3.") or z.origin.startswith("optout."):
            # NSEC3 variants: the proofs do not depend much on the qtype
            types = ["A", "TXT", "NS", "DS", "ANY", "CNAME", "NSEC3", "RRSIG"]
            secondary = {"udp": ["A"], "do512": ["TXT"], "tcp": ["ANY"]}
        owners = [n for n in z.unsigned_names]
        ents = set()
        for n in owners:
            p = n.parent()
            while p != origin and p.is_subdomain(origin):
                if p not in z.model.nodes:
                    ents.add(p)
                p = p.parent()
        for i, n in enumerate(owners + sorted(ents)):
            name = n.to_text()
            add(z, name, types, [main])
            for variant, vtypes in secondary.items():
                add(z, name, vtypes, [variant])
            if i % 3 == 0 and n != origin:
                add(z, mixcase(name), ["A", "TXT", "ANY", "CNAME"], [main])
            rel = n.relativize(origin).to_text()
            for nb, full in neighbours(rel):
                nbname = dns.name.from_text(nb, origin).to_text()
                if full:
                    add(z, nbname, NEIGHBOUR_TYPES, [main])
                    add(z, nbname, ["A"], ["udp", "tcp"])
                else:
                    add(z, nbname, ["A", "DS"], [main])
        if z.signed:
            # a few queries for NSEC3 owner names (they are not real names)
            n3 = [n for n, node in z.model.nodes.items()
                  if any(r.rdtype == dns.rdatatype.NSEC3 for r in node.rdatasets)]
            for n in sorted(n3)[:2]:
                add(z, n.to_text(), ["A", "NSEC3"], ["do"])
        # deeper names below the delegations, the DNAMEs and the wildcards
        for rel in ("a.b.ns.sub", "deep.nx.ext", "a.b.dn", "www.dn", "x.dn2", "y.x.dn2",
                    "nx.dn2", "A.b.c.d.wild", "x.cwild", "x.dwild", "X.sub2", "nx.b.c",
                    "to-dname"):
            name = dns.name.from_text(rel, origin).to_text()
            add(z, name, ["A", "TXT", "CNAME", "DNAME", "DS", "ANY"], [main])
            add(z, name, ["A"], ["udp", "tcp"] if not z.signed else ["edns", "tcp"])

    # names outside all zones
    for name in ("example.org.", "example.", "www.example.", "com.", ".", "nxexample.com.",
                 "www.xexample.com."):
        for t in ("A", "SOA", "NS"):
            for v in ("edns", "udp", "tcp"):
                q = Query(name, t, v, "outside")
                queries.append(q)

    # an unknown EDNS option must be ignored
    for name in ("www.example.com.", "nx.nsec3.example.", "foo.wild.nsec.example."):
        q = Query(name, "A", "do", "edns-option")
        q.edns_opts = [dns.edns.GenericOption(65001, b"\x01\x02")]
        queries.append(q)
    # EDNS payload below 512 is treated as 512
    q = Query("big.example.com.", "TXT", "edns", "edns-small")
    q.desc = "big.example.com. TXT [udp edns payload 100]"
    q.kind = "raw"
    m = dns.message.make_query("big.example.com.", "TXT", use_edns=0, payload=100)
    m.flags &= ~dns.flags.RD
    q.wire = m.to_wire()
    queries.append(q)
    # CLASS ANY and CH queries for an in-zone name
    for cls in ("ANY", "CH"):
        for name in ("www.example.com.", "example.com."):
            q = Query(name, "SOA" if name == "example.com." else "A", "edns", "class",
                      rdclass=cls)
            queries.append(q)
    queries.extend(special_queries())
    return queries


def below(base, *prefixes):
    """The names prefix.base that fit 255 octets."""
    out = []
    for prefix in prefixes:
        try:
            out.append(dns.name.from_text(prefix, base))
        except dns.name.NameTooLong:
            pass
    return out


def class_names(z):
    """Every owner and empty non-terminal of a classes zone, the names a
    wildcard expands to (up to the 255-octet limit), names below its
    delegations and DNAMEs, and nonexistent neighbours."""
    origin = dns.name.from_text(z.origin)
    names = set()
    for n in z.unsigned_names:
        names.add(n)
        p = n.parent()
        while p != origin and p.is_subdomain(origin):
            names.add(p)        # empty non-terminals
            p = p.parent()
    extra = set()
    for n in names:
        if n == origin:
            continue
        rel = n.relativize(origin)
        node = z.model.nodes.get(n)
        types = {r.rdtype for r in node.rdatasets} if node else set()
        if rel.labels[0] == b"*":
            base = n.parent()
            extra.update(below(base, "x", "a.b", "Mixed"))
            # the longest expansion that still fits 255 octets
            room = 255 - len(base.to_wire()) - 1
            if 0 < room <= 63:
                extra.add(dns.name.Name((b"q" * room,) + base.labels))
            continue
        if types & {dns.rdatatype.NS, dns.rdatatype.DNAME}:
            extra.update(below(n, "x", "a.b", "y"))
            if dns.rdatatype.DNAME in types:
                # a prefix long enough for the substituted name to overflow
                extra.add(dns.name.Name((b"o" * 20,) + n.labels))
        else:
            extra.update(below(n, "nx"))
            # a name at the 255-octet limit below the owner
            room = 255 - len(n.to_wire()) - 1
            if 0 < room <= 63:
                extra.add(dns.name.Name((b"z" * room,) + n.labels))
    names |= extra
    names.add(dns.name.from_text("x.a.d", origin))   # the second DNAME step
    return sorted(names)


# Every qtype, meta types included, for the qtype sweep.
SWEEP_TYPES = ["TYPE%d" % t for t in list(range(0, 66)) + [99, 104, 105, 106, 107, 108, 109,
                                                           128, 249, 250, 251, 252, 253, 254,
                                                           255, 256, 257, 258, 32768, 32769,
                                                           65280, 65535]]
SWEEP_NAMES = ("@", "target", "c1", "c-out", "x.w", "x.cw", "x.din", "x.sub", "sub", "nx",
               "ns1", "d")


def add_class_queries(z, add):
    """Every class qtype at every name of a classes zone, with and without
    DO; the DNAME and CNAME loops also without EDNS (512 octets) and over TCP."""
    main = ["do", "edns"] if z.signed else ["edns", "do"]
    if z.origin != CLASS_ORIGINS[2]:
        for rel in SWEEP_NAMES:
            name = dns.name.from_text(rel, dns.name.from_text(z.origin)).to_text()
            add(z, name, SWEEP_TYPES, main[:1])
    for n in class_names(z):
        name = n.to_text()
        add(z, name, CLASS_TYPES, main)
        rel = n.relativize(dns.name.from_text(z.origin)).to_text()
        if any(rel == d or rel.endswith("." + d) for d in
               ("d", "dl1", "dl2", "dmix", "dlong", "ch1", "c-self", "cw", "cwc", "lw", "sw", "q1", "q2", "dw",
                "big")):
            add(z, name, ["A", "TXT", "CNAME", "RRSIG"], ["udp", "tcp"])


def raw_header(qid, flags, qd, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def raw_question(name, rdtype, rdclass=1):
    return dns.name.from_text(name).to_wire() + struct.pack("!HH", rdtype, rdclass)


def special_queries():
    out = []

    def add(desc, wire, compare="rcode", transport="udp", cat="special"):
        q = Query(desc, "-", "raw", cat)
        q.kind = "raw"
        q.desc = desc
        q.wire = wire
        q.compare = compare
        q.transport = transport
        out.append(q)

    qid = 0x4242
    soa_q = raw_question("example.com.", 6)
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)           # EDNS0
    opt_v1 = b"\x00" + struct.pack("!HHIH", 41, 1232, 1 << 16, 0)   # EDNS version 1
    opt_v1do = b"\x00" + struct.pack("!HHIH", 41, 1232, (1 << 16) | 0x8000, 0)

    add("EDNS version 1 (BADVERS)", raw_header(qid, 0, 1, 0, 0, 1) + soa_q + opt_v1)
    add("EDNS version 1 + DO (BADVERS)", raw_header(qid, 0, 1, 0, 0, 1) + soa_q + opt_v1do)
    add("EDNS version 1, name outside zones",
        raw_header(qid, 0, 1, 0, 0, 1) + raw_question("example.org.", 1) + opt_v1)
    add("two OPT records (FORMERR)", raw_header(qid, 0, 1, 0, 0, 2) + soa_q + opt + opt)
    add("QDCOUNT=0", raw_header(qid, 0, 0))
    add("QDCOUNT=0 with EDNS", raw_header(qid, 0, 0, 0, 0, 1) + opt)
    add("QDCOUNT=2", raw_header(qid, 0, 2) + soa_q + raw_question("www.example.com.", 1))
    add("QDCOUNT=1 but no question", raw_header(qid, 0, 1))
    add("truncated header", raw_header(qid, 0, 1)[:7])
    add("QR=1 (response sent as query)", raw_header(qid, 0x8000, 1) + soa_q)
    add("opcode 1 IQUERY", raw_header(qid, 1 << 11, 1) + soa_q)
    add("opcode 2 STATUS", raw_header(qid, 2 << 11, 1) + soa_q)
    add("opcode 3 (unassigned)", raw_header(qid, 3 << 11, 1) + soa_q)
    add("opcode 3 (unassigned) with EDNS", raw_header(qid, 3 << 11, 1, 0, 0, 1) + soa_q + opt)
    add("opcode 4 NOTIFY (no ACL)", raw_header(qid, (4 << 11) | 0x0400, 1) + soa_q,
        compare="header")
    add("NOTIFY for a name below a zone apex",
        raw_header(qid, (4 << 11) | 0x0400, 1) + raw_question("www.example.com.", 6), compare="header")
    add("NOTIFY for a zone not served",
        raw_header(qid, (4 << 11) | 0x0400, 1) + raw_question("example.org.", 6), compare="header")
    add("opcode 5 UPDATE (no ACL)", raw_header(qid, 5 << 11, 1) + soa_q)
    add("opcode 6 DSO", raw_header(qid, 6 << 11, 0))
    add("opcode 15", raw_header(qid, 15 << 11, 1) + soa_q)
    add("AXFR over UDP", raw_header(qid, 0, 1) + raw_question("example.com.", 252))
    add("IXFR over UDP (no SOA in authority)", raw_header(qid, 0, 1) + raw_question("example.com.", 251))
    add("AXFR over TCP (not allowed)", raw_header(qid, 0, 1) + raw_question("example.com.", 252),
        transport="tcp")
    # A transfer of a name that is not a served zone's apex: NOTAUTH (RFC 5936 2.2.1)
    for what, name in (("below the apex", "www.example.com."), ("empty non-terminal", "c.example.com."),
                       ("below a delegation", "ns.sub.example.com."), ("zone not served", "example.org."),
                       ("parent of a zone", "example.")):
        for qt, qtn in ((252, "AXFR"), (251, "IXFR")):
            for tr in ("tcp", "udp"):
                add("%s over %s, %s" % (qtn, tr.upper(), what),
                    raw_header(qid, 0, 1) + raw_question(name, qt), compare="header", transport=tr)
    add("MAILB query (qtype 253)", raw_header(qid, 0, 1) + raw_question("example.com.", 253))
    add("MAILA query (qtype 254)", raw_header(qid, 0, 1) + raw_question("example.com.", 254))
    add("qtype 0", raw_header(qid, 0, 1) + raw_question("www.example.com.", 0))
    add("OPT as qtype (41)", raw_header(qid, 0, 1) + raw_question("www.example.com.", 41))
    add("TKEY qtype (249)", raw_header(qid, 0, 1) + raw_question("www.example.com.", 249))
    add("qtype 128 (meta range)", raw_header(qid, 0, 1) + raw_question("www.example.com.", 128))
    add("class NONE (254)", raw_header(qid, 0, 1) + raw_question("www.example.com.", 1, 254))
    add("class 3 (CH) A www.example.com.", raw_header(qid, 0, 1) + raw_question("www.example.com.", 1, 3))
    add("answer section in query (ANCOUNT=1)",
        raw_header(qid, 0, 1, 1) + soa_q + dns.name.from_text("example.com.").to_wire()
        + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 1]))
    add("trailing garbage after question", raw_header(qid, 0, 1) + soa_q + b"\x00\x01\x02")
    add("compression pointer loop in qname",
        raw_header(qid, 0, 1) + b"\xc0\x0c" + struct.pack("!HH", 1, 1))
    add("DO bit without EDNS-capable payload (payload 0)",
        raw_header(qid, 0, 1, 0, 0, 1) + soa_q + b"\x00" + struct.pack("!HHIH", 41, 0, 0x8000, 0))
    add("TC=1 in query", raw_header(qid, 0x0200, 1) + soa_q)
    add("Z bit set in query", raw_header(qid, 0x0040, 1) + soa_q)
    add("AD=1 in query", raw_header(qid, 0x0020, 1) + soa_q)
    # The three servers run with their version and identity hidden (dnsd's default).
    for n in ("version.bind.", "version.server.", "id.server.", "hostname.bind.",
              "authors.bind.", "nx.bind."):
        add("CH TXT %s" % n, raw_header(qid, 0, 1) + raw_question(n, 16, 3),
            compare="header", cat="chaos")
    add("CH A version.bind.", raw_header(qid, 0, 1) + raw_question("version.bind.", 1, 3),
        compare="header", cat="chaos")
    return out


# --------------------------------------------------------------------------
# sending and normalising

def send_raw(wire, port, transport, timeout):
    if transport == "tcp":
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            buf = b""
            while len(buf) < 2:
                chunk = s.recv(65535)
                if not chunk:
                    return None
                buf += chunk
            ln = struct.unpack("!H", buf[:2])[0]
            while len(buf) < 2 + ln:
                chunk = s.recv(65535)
                if not chunk:
                    break
                buf += chunk
            return buf[2:2 + ln]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        s.send(wire)
        return s.recv(65535)


def rrset_entries(section):
    out = set()
    texts = {}
    for rrset in section:
        rd = tuple(sorted(r.to_digestable() for r in rrset))
        key = (rrset.name.to_text().lower(), dns.rdataclass.to_text(rrset.rdclass),
               dns.rdatatype.to_text(rrset.rdtype),
               dns.rdatatype.to_text(rrset.covers) if rrset.covers else "",
               rrset.ttl, rd)
        out.add(key)
        texts[key] = rrset.to_text()
    return frozenset(out), texts


def read_wire_name(wire, pos):
    """(text of the name, position after it); follows compression pointers."""
    labels, end, hops = [], None, 0
    while True:
        if pos >= len(wire) or hops > 128:
            raise ValueError("bad name")
        ln = wire[pos]
        if ln & 0xC0 == 0xC0:
            if end is None:
                end = pos + 2
            pos = ((ln & 0x3F) << 8) | wire[pos + 1]
            hops += 1
            continue
        if ln == 0:
            pos += 1
            break
        labels.append(wire[pos + 1:pos + 1 + ln])
        pos += 1 + ln
    text = ".".join("".join(chr(c) if 0x21 <= c < 0x7F and chr(c) not in '.\\"();' else "\\%03d" % c
                            for c in lab) for lab in labels) + "."
    return text, (end if end is not None else pos)


# RDATA that starts with names a server may compress: (names, bytes before them).
COMPRESSED_RDATA = {2: (1, 0), 5: (1, 0), 12: (1, 0), 6: (2, 0), 15: (1, 2)}


def parse_wire_generic(wire):
    """The message's sections as rrset_entries() gives them, without
    dnspython's RDATA checks (it refuses some records the servers send as the
    zone has them, e.g. SVCB in AliasMode with parameters): RDATA compared as
    bytes, names that may be compressed expanded (lower-cased)."""
    qd, an, ns, ar = struct.unpack("!4H", wire[4:12])
    pos, question = 12, []
    for _ in range(qd):
        name, pos = read_wire_name(wire, pos)
        qtype, qclass = struct.unpack("!HH", wire[pos:pos + 4])
        pos += 4
        question.append("%s %s %s" % (name, dns.rdataclass.to_text(qclass), dns.rdatatype.to_text(qtype)))
    sections, edns, owners = [], "no-opt", []
    for index, count in enumerate((an, ns, ar)):
        groups = {}
        for _ in range(count):
            owner, pos = read_wire_name(wire, pos)
            rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", wire[pos:pos + 10])
            if index < 2:
                owners.append(owner)
            pos += 10
            rdata = wire[pos:pos + rdlen]
            if len(rdata) != rdlen:
                raise ValueError("RDATA past the end")
            if rtype == 41:
                edns = "v%d%s" % ((ttl >> 16) & 0xFF, " DO" if ttl & 0x8000 else "")
                pos += rdlen
                continue
            if rtype in COMPRESSED_RDATA:
                names, skip = COMPRESSED_RDATA[rtype]
                p2, parts = pos + skip, [rdata[:skip]]
                for _ in range(names):
                    n, p2 = read_wire_name(wire, p2)
                    parts.append(n.lower().encode())
                parts.append(wire[p2:pos + rdlen])
                rdata = b"|".join(parts)
            covers = dns.rdatatype.to_text(struct.unpack("!H", rdata[:2])[0]) if rtype == 46 else ""
            key = (owner.lower(), dns.rdataclass.to_text(rclass), dns.rdatatype.to_text(rtype), covers, ttl)
            groups.setdefault(key, []).append(bytes(rdata))
            pos += rdlen
        entries, texts = set(), {}
        for key, rds in groups.items():
            k = key + (tuple(sorted(rds)),)
            entries.add(k)
            texts[k] = "\n".join("%s %d %s %s \\# %d %s" % (key[0], key[4], key[1], key[2], len(r), r.hex())
                                 for r in sorted(rds))
        sections.append((frozenset(entries), texts))
    return tuple(question), edns, sections, tuple(sorted(owners))


class Answer:
    """Normalised response (or error)."""

    def __init__(self, error=None, msg=None, wire=None):
        self.error = error
        self.texts = {}
        if msg is None and wire is not None:
            try:
                msg = dns.message.from_wire(wire, ignore_trailing=True)
            except dns.message.Truncated as e:
                msg = e.message()
            except Exception as e:  # dnspython refuses it: compare the records as bytes
                try:
                    self.from_generic(wire)
                    return
                except (ValueError, IndexError, struct.error):
                    pass
                if len(wire) >= 4:
                    flags = struct.unpack("!H", wire[2:4])[0]
                    self.error = None
                    self.rcode = dns.rcode.to_text(flags & 0xF)
                    self.flags = dns.flags.to_text(flags & 0x87F0)
                    self.opcode = (flags >> 11) & 0xF
                    self.edns = "?"
                    self.question = self.owner_case = ()
                    self.answer = self.authority = self.additional = frozenset(["unparsable: %s" % e])
                    return
                self.error = "short reply (%d bytes)" % len(wire)
        if msg is None:
            return
        self.rcode = dns.rcode.to_text(msg.rcode())
        self.question = tuple(q.to_text() for q in msg.question)   # exact case (0x20)
        self.owner_case = tuple(sorted(r.name.to_text() for sec in (msg.answer, msg.authority)
                                       for r in sec))
        self.flags = dns.flags.to_text(msg.flags & ~dns.flags.QR & 0xFFF0) or "-"
        self.opcode = msg.opcode()
        if msg.edns < 0:
            self.edns = "no-opt"
        else:
            self.edns = "v%d%s" % (msg.edns, " DO" if msg.ednsflags & dns.flags.DO else "")
        self.answer, t1 = rrset_entries(msg.answer)
        self.authority, t2 = rrset_entries(msg.authority)
        self.additional, t3 = rrset_entries(msg.additional)
        self.texts.update(t1)
        self.texts.update(t2)
        self.texts.update(t3)

    def from_generic(self, wire):
        question, self.edns, sections, self.owner_case = parse_wire_generic(wire)
        flags = struct.unpack("!H", wire[2:4])[0]
        self.rcode = dns.rcode.to_text(flags & 0xF)  # no extended RCODEs in these answers
        self.flags = dns.flags.to_text(flags & ~dns.flags.QR & 0xFFF0 & 0x87F0) or "-"
        self.opcode = (flags >> 11) & 0xF
        self.question = question
        (self.answer, t1), (self.authority, t2), (self.additional, t3) = sections
        self.error = None
        for t in (t1, t2, t3):
            self.texts.update(t)

    def tc(self):
        return self.error is None and "TC" in self.flags.split()

    def view(self, compare, transport, drop=()):
        """The comparable part of the answer."""
        if self.error is not None:
            return ("error", self.error)
        if compare == "rcode":
            return ("rcode", self.rcode)
        if compare == "header":
            return ("header", self.rcode, self.flags, self.opcode, self.question)
        v = {"rcode": self.rcode, "flags": self.flags, "edns": self.edns,
             "question": self.question}
        if not (self.tc() and transport == "udp"):
            v["answer"] = self.answer
            v["authority"] = self.authority
        for k in drop:
            v.pop(k, None)
        return tuple(sorted(v.items(), key=lambda kv: kv[0]))

    def short(self, indent="      "):
        if self.error is not None:
            return indent + self.error
        lines = [indent + "%s flags=%s edns=%s" % (self.rcode, self.flags, self.edns)]
        for title, sec in (("AN", self.answer), ("NS", self.authority), ("AR", self.additional)):
            for key in sorted(sec, key=lambda k: (k[2] == "RRSIG", k[0], k[2], k[3])):
                txt = self.texts.get(key, str(key))
                for line in txt.splitlines():
                    if len(line) > 150:
                        line = line[:147] + "..."
                    lines.append(indent + "%s %s" % (title, line))
        return "\n".join(lines)


def ask(server, q):
    timeout = SPECIAL_TIMEOUT if q.kind == "raw" else QUERY_TIMEOUT
    for attempt in range(2):
        if STOP.is_set():
            return Answer(error="stopped")
        if server.proc.poll() is not None:
            return Answer(error="server not running")
        try:
            if q.kind == "raw":
                wire = send_raw(q.wire, server.port, q.transport, timeout)
                if wire is None:
                    return Answer(error="connection closed")
                return Answer(wire=wire)
            msg = q.message()
            if q.transport == "tcp":
                r = dns.query.tcp(msg, "127.0.0.1", timeout=timeout, port=server.port)
            else:
                r = dns.query.udp(msg, "127.0.0.1", timeout=timeout, port=server.port,
                                  raise_on_truncation=False)
            return Answer(msg=r)
        except (dns.exception.Timeout, socket.timeout):
            if q.kind == "raw" or attempt == 1:
                return Answer(error="timeout/no answer")
        except ConnectionError as e:
            return Answer(error="connection error: %s" % e.__class__.__name__)
        except dns.message.Truncated as e:
            return Answer(msg=e.message())
        except dns.exception.FormError:
            # dnspython refuses a record in the answer (as the zone has it):
            # ask again and compare the records as bytes.
            try:
                msg = q.message()
                wire = send_raw(msg.to_wire(), server.port, q.transport, timeout)
                if wire is None:
                    return Answer(error="connection closed")
                return Answer(wire=wire)
            except (OSError, socket.timeout) as e:
                return Answer(error="error: %s: %s" % (e.__class__.__name__, e))
        except Exception as e:
            return Answer(error="error: %s: %s" % (e.__class__.__name__, e))
    return Answer(error="timeout/no answer")


# --------------------------------------------------------------------------
# exceptions file

def load_exceptions():
    """Entries of the ```exceptions block: id qname-regex qtype variant aspects."""
    out = []
    try:
        text = open(EXCEPTIONS_FILE).read()
    except OSError:
        return out
    m = re.search(r"```exceptions\n(.*?)```", text, re.S)
    if not m:
        return out
    for line in m.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 5:
            raise RuntimeError("bad exception line: %r" % line)
        out.append({"id": parts[0], "name": re.compile(parts[1], re.I), "qtype": parts[2],
                    "variant": parts[3], "aspects": parts[4].split(",")})
    return out


def matching_exceptions(exceptions, q):
    res = []
    for e in exceptions:
        if not e["name"].search(q.label() if q.kind == "raw" else q.name):
            continue
        if e["qtype"] != "*" and e["qtype"].upper() != q.qtype.upper():
            continue
        if e["variant"] != "*" and e["variant"] != q.variant:
            continue
        res.append(e)
    return res


# --------------------------------------------------------------------------
# main

def diff_aspects(a, b, transport):
    if a.error is not None or b.error is not None:
        return ["reply"] if (a.error != b.error) else []
    out = []
    for f in ("rcode", "flags", "edns", "question"):
        if getattr(a, f) != getattr(b, f):
            out.append(f)
    if not ((a.tc() or b.tc()) and transport == "udp"):
        for f in ("answer", "authority"):
            if getattr(a, f) != getattr(b, f):
                out.append(f)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dnsd", help="path of the dnsd binary")
    ap.add_argument("--reference-only", action="store_true",
                    help="only compare Knot with NSD (no dnsd)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--filter", help="only queries whose name contains this substring")
    ap.add_argument("--jobs", type=int, default=4, help="parallel queries (default 4)")
    args = ap.parse_args()
    if not args.reference_only and not args.dnsd:
        ap.error("--dnsd PATH is required (or use --reference-only)")
    if args.dnsd:
        args.dnsd = os.path.abspath(args.dnsd)
        if not os.access(args.dnsd, os.X_OK):
            ap.error("dnsd binary not executable: %s" % args.dnsd)

    tmp = tempfile.mkdtemp(prefix="dnsd-compare-")
    servers = []

    def on_signal(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_signal)

    t0 = time.time()
    try:
        zones = prepare_zones(tmp)
        ports = set()
        knot = start_knot(tmp, free_port(ports), zones)
        servers.append(knot)
        nsd = start_nsd(tmp, free_port(ports), zones)
        servers.append(nsd)
        dnsd = None
        if not args.reference_only:
            dnsd = start_dnsd(tmp, free_port(ports), zones, args.dnsd)
            servers.append(dnsd)
        for s in servers:
            s.wait_ready(zones)
        log("servers ready in %.1fs: %s (temp dir %s)" % (
            time.time() - t0, ", ".join("%s@%d" % (s.name, s.port) for s in servers), tmp))

        queries = build_queries(zones)
        if args.filter:
            f = args.filter.lower()
            queries = [q for q in queries if f in q.name.lower()]
        exceptions = load_exceptions()
        log("%d queries" % len(queries))

        def run_one(q):
            return {s.name: ask(s, q) for s in servers}

        ex = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
        try:
            results = list(ex.map(run_one, queries))
        finally:
            ex.shutdown(wait=False, cancel_futures=True)
        log("queries answered in %.1fs" % (time.time() - t0))

        passed = failed = 0
        disagree = []            # (query, answers, aspects)
        add_diffs = []           # additional section differences
        failures = []
        no_answer = []           # queries no server answered
        excepted = collections.Counter()
        reports = []
        for q, ans in zip(queries, results):
            k, n = ans["knot"], ans["nsd"]
            if q.compare == "report":
                reports.append((q, ans))
                continue
            ref_equal = k.view(q.compare, q.transport) == n.view(q.compare, q.transport)
            if not ref_equal:
                disagree.append((q, ans, diff_aspects(k, n, q.transport)))
            elif q.compare == "full" and k.error is None and n.error is None \
                    and not ((k.tc() or n.tc()) and q.transport == "udp"):
                what = []
                if k.additional != n.additional:
                    what.append("additional")
                if k.owner_case != n.owner_case:
                    what.append("owner-case")
                if what:
                    disagree.append((q, ans, what))
            if dnsd is None:
                passed += 1
                continue
            d = ans["dnsd"]
            if q.compare == "full" and d.error is None and k.error is None \
                    and not ((k.tc() or d.tc()) and q.transport == "udp"):
                what = []
                if d.additional != k.additional:
                    what.append("additional")
                if d.owner_case != k.owner_case:
                    what.append("owner-name case")
                if what:
                    add_diffs.append((q, ans, what))
            dv = d.view(q.compare, q.transport)
            if q.kind != "raw" and d.error is not None and k.error is not None and n.error is not None:
                # No server answered: that proves nothing, and is counted as a failure.
                no_answer.append((q, ans))
                failed += 1
                continue
            if dv == k.view(q.compare, q.transport) or dv == n.view(q.compare, q.transport):
                passed += 1
                continue
            ok = False
            if ref_equal:
                for e in matching_exceptions(exceptions, q):
                    drop = set(e["aspects"])
                    if "all" in drop or d.view(q.compare, q.transport, drop) == \
                            k.view(q.compare, q.transport, drop):
                        ok = True
                        excepted[e["id"]] += 1
                        break
            if ok:
                passed += 1
            else:
                failed += 1
                failures.append((q, ans))

        # ---- report
        names = [s.name for s in servers]
        if reports:
            log("\n== report only (not compared)")
            for q, ans in reports:
                log("  %-36s %s" % (q.label(), "  |  ".join(
                    "%s=%s" % (s, ans[s].error or " ".join(
                        [ans[s].rcode] + [ans[s].texts[k].split(None, 4)[-1]
                                          for k in sorted(ans[s].answer)]))
                    for s in names)))
        specials = [(q, ans) for q, ans in zip(queries, results)
                    if q.compare in ("rcode", "header")]
        if specials:
            log("\n== special queries (compared by rcode; 'header' ones by rcode, flags and question)")
            for q, ans in specials:
                log("  %-48s %s" % (q.label(), "  ".join(
                    "%s=%s" % (s, ans[s].error or (ans[s].rcode if q.compare == "rcode" else
                                                   "%s[%s%s]" % (ans[s].rcode, ans[s].flags,
                                                                 "" if ans[s].question else ",no-q")))
                    for s in names)))
        def dnsd_matches(q, ans):
            if dnsd is None:
                return ""
            dv = ans["dnsd"].view(q.compare, q.transport)
            m = [s for s in ("knot", "nsd") if ans[s].view(q.compare, q.transport) == dv]
            return "dnsd=" + ("+".join(m) or "neither")

        if disagree:
            cats = collections.Counter()
            for q, ans, aspects in disagree:
                cats[(q.cat, ",".join(aspects), dnsd_matches(q, ans))] += 1
            log("\n== reference servers disagree (Knot vs NSD): %d queries" % len(disagree))
            log("  %-18s %-30s %-14s %s" % ("category", "differs in", "dnsd" if dnsd else "", "count"))
            for (cat, aspects, m), cnt in sorted(cats.items()):
                log("  %-18s %-30s %-14s %d" % (cat, aspects, m, cnt))
            shown = collections.Counter()
            for q, ans, aspects in disagree:
                key = (q.cat, ",".join(aspects), q.qtype)
                shown[key] += 1
                if args.verbose or shown[key] <= 1:
                    log("  -- %s  (%s; differs in %s) %s" % (q.label(), q.cat, ",".join(aspects),
                                                          dnsd_matches(q, ans)))
                    for s in names:
                        log("    %s:\n%s" % (s, ans[s].short(indent="      ")))
        if add_diffs:
            log("\n== dnsd differs from Knot in the additional section or in the case of owner"
                " names (not a failure): %d queries" % len(add_diffs))
            for q, ans, what in add_diffs[: (len(add_diffs) if args.verbose else 10)]:
                log("  -- %s  (%s)" % (q.label(), ", ".join(what)))
                for s in names:
                    log("    %s:\n%s" % (s, ans[s].short(indent="      ")))
        if excepted:
            log("\n== differences covered by compare_exceptions.md")
            for k2, v in sorted(excepted.items()):
                log("  %s: %d" % (k2, v))
        if no_answer:
            log("\n== NO SERVER ANSWERED (counted as failures): %d" % len(no_answer))
            for q, ans in no_answer[:50]:
                log("  -- %s: %s" % (q.label(), "  ".join("%s=%s" % (s, ans[s].error) for s in names)))
        if failures:
            log("\n== FAILURES: %d" % len(failures))
            for q, ans in failures[: (len(failures) if args.verbose else 200)]:
                dk = diff_aspects(ans["dnsd"], ans["knot"], q.transport) if q.compare == "full" \
                    else ["rcode"]
                log("  -- %s  (%s; dnsd differs from knot in %s)" % (q.label(), q.cat,
                                                                  ",".join(dk) or "-"))
                for s in names:
                    log("    %s:\n%s" % (s, ans[s].short(indent="      ")))
            if not args.verbose and len(failures) > 200:
                log("  ... %d more (use --verbose)" % (len(failures) - 200))
        for s in servers:
            if s.proc.poll() is not None:
                log("\nWARNING: %s exited with code %s during the test" % (s.name, s.proc.poll()))
                if s is dnsd:
                    failed += 1
        log("\ntime: %.1fs" % (time.time() - t0))
        log("compare: %d passed, %d failed" % (passed, failed))
        return 0 if failed == 0 else 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except RuntimeError as e:
        log("ERROR: %s" % e)
        log("compare: 0 passed, 1 failed")
        return 1
    finally:
        STOP.set()
        for s in servers:
            s.stop()
        if args.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
