#!/usr/bin/python3
"""Writes the seed corpus of fuzz_answer into tests/fuzz/corpus/.

Valid queries of many types, with and without EDNS (DO, NSID, ZONEVERSION,
cookies), for the names of the fuzz target's zones, and hostile messages:
compression loops, forward and self pointers, truncation, huge counts, bad
opcodes, responses, two OPTs, TSIG not last, trailing bytes.

Run with Debian's python3 and dnspython (python3-dnspython):
    /usr/bin/python3 tests/fuzz/make_seeds.py
The files are committed; rerunning rewrites them byte for byte.
"""

import os
import struct
import sys

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")

seeds = {}


def add(name, data):
    assert name not in seeds, name
    assert len(data) <= 4096, name
    seeds[name] = bytes(data)


def query(qname, qtype, *, qid=0x1234, edns=True, do=False, payload=1232, options=(), version=0,
          rdclass="IN", rd=False, flags=0):
    q = dns.message.make_query(qname, qtype, rdclass, use_edns=(version if edns else None),
                               payload=payload, want_dnssec=do, options=list(options))
    q.id = qid
    q.flags = flags | (dns.flags.RD if rd else 0)
    return q.to_wire()


def header(qid=0x4242, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def wire_name(text):
    return dns.name.from_text(text).to_wire()


def opt_rr(payload=1232, ttl=0, rdata=b""):
    return b"\x00" + struct.pack("!HHIH", 41, payload, ttl, len(rdata)) + rdata


def edns_option(code, data=b""):
    return struct.pack("!HH", code, len(data)) + data


NSID = dns.edns.GenericOption(3, b"")
ZONEVERSION = dns.edns.GenericOption(19, b"")
COOKIE = dns.edns.GenericOption(10, bytes(range(8)))

# ---- valid queries ----
valid = [
    ("www.example.com.", "A"), ("example.com.", "SOA"), ("example.com.", "MX"),
    ("alias.example.com.", "A"), ("chain1.example.com.", "A"), ("dangling.example.com.", "A"),
    ("loop1.example.com.", "A"), ("foo.wild.example.com.", "A"), ("x.cw.example.com.", "AAAA"),
    ("www.sub.example.com.", "A"), ("sub.example.com.", "DS"), ("x.dn.example.com.", "A"),
    ("www.old.example.com.", "A"), ("b.c.example.com.", "A"), ("nope.example.com.", "A"),
    ("big.example.com.", "TXT"), ("_sip._tcp.example.com.", "SRV"), ("www.example.com.", "ANY"),
    ("www.example.com.", "RRSIG"), ("z.example.com.", "TYPE65280"), ("child.example.com.", "DS"),
    ("ns.nsec3.test.", "A"), ("nope.nsec3.test.", "A"), ("x.w.nsec3.test.", "A"),
    ("www.example.org.", "A"), ("example.com.", "AXFR"),
]
for i, (qname, qtype) in enumerate(valid):
    tag = f"q{i:02d}_{qtype.lower()}_{qname.rstrip('.').replace('.', '_')}"
    variant = i % 4
    if variant == 0:
        add(tag, query(qname, qtype, qid=i))
    elif variant == 1:
        add(tag, query(qname, qtype, qid=i, edns=False, rd=True))
    elif variant == 2:
        add(tag, query(qname, qtype, qid=i, do=True))
    else:
        add(tag, query(qname, qtype, qid=i, do=True, options=[NSID, ZONEVERSION, COOKIE], payload=4096))

add("edns_small_payload", query("big.example.com.", "TXT", payload=100))
add("edns_version1", query("www.example.com.", "A", version=1))
add("mixed_case", query("WwW.ExAmPlE.CoM.", "A", options=[NSID]))
add("ch_version_bind", query("version.bind.", "TXT", rdclass="CH"))
add("ch_id_server", query("id.server.", "TXT", rdclass="CH", edns=False))
add("class_any", query("www.example.com.", "A", rdclass="ANY"))
add("notify", query("example.com.", "SOA", flags=dns.opcode.to_flags(dns.opcode.NOTIFY) | dns.flags.AA))
add("opcode_status", query("example.com.", "SOA", flags=dns.opcode.to_flags(dns.opcode.STATUS)))
add("qtype_opt", query("example.com.", "OPT"))

# ---- hostile messages ----
base = query("www.example.com.", "A", edns=False)
add("truncated_header", base[:7])
add("truncated_question", base[:-3])
add("response_bit", header(flags=0x8000) + wire_name("www.example.com.") + struct.pack("!HH", 1, 1))
add("qdcount0", header(qd=0))
add("qdcount2", header(qd=2) + (wire_name("a.example.com.") + struct.pack("!HH", 1, 1)) * 2)
add("huge_counts", header(qd=1, an=0xFFFF, ns=0xFFFF, ar=0xFFFF) + wire_name("example.com.") +
    struct.pack("!HH", 1, 1))
add("pointer_self", header() + b"\xc0\x0c" + struct.pack("!HH", 1, 1))
add("pointer_loop", header() + b"\x01a\xc0\x0e" + b"\xc0\x0c" + struct.pack("!HH", 1, 1))
add("pointer_forward", header() + b"\xc0\x12" + struct.pack("!HH", 1, 1) + wire_name("example.com."))
add("pointer_out_of_message", header() + b"\x03www\xff\xff" + struct.pack("!HH", 1, 1))
add("extended_label", header() + b"\x41\x00\x00" + struct.pack("!HH", 1, 1))
long_name = b"".join(b"\x3f" + b"x" * 63 for _ in range(4)) + b"\x00"
add("name_too_long", header() + long_name + struct.pack("!HH", 1, 1))
add("label_truncated", header() + b"\x20abc")
q = header(ar=2) + wire_name("www.example.com.") + struct.pack("!HH", 1, 1)
add("two_opts", q + opt_rr() + opt_rr())
tsig = wire_name("key.") + struct.pack("!HHIH", 250, 255, 0, 4) + b"abcd"
add("tsig_not_last", q + tsig + opt_rr())
add("tsig_last", q + opt_rr() + tsig)
q1 = header(ar=1) + wire_name("www.example.com.") + struct.pack("!HH", 1, 1)
add("opt_truncated_option", q1 + opt_rr(rdata=b"\x00\x03\x00\x08ab"))
add("opt_nonroot_owner", q1 + wire_name("x.") + struct.pack("!HHIH", 41, 1232, 0, 0))
add("opt_rdata_past_end", q1 + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 50) + b"\x00\x03")
add("opt_many_options", q1 + opt_rr(rdata=b"".join(edns_option(c, bytes([c]) * (c % 5)) for c in range(1, 40))))
add("trailing_bytes", base + b"\x00\x00")
an = header(an=1) + wire_name("www.example.com.") + struct.pack("!HH", 1, 1)
add("answer_rr_in_query", an + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\xc0\x00\x02\x01")
add("answer_rdata_past_end", an + b"\xc0\x0c" + struct.pack("!HHIH", 15, 1, 60, 200) + b"\x00\x0a\xc0\x0c")
# A full response (parse_message path with compressed RDATA).
r = dns.message.make_response(dns.message.from_wire(query("example.com.", "MX")))
r.answer.append(dns.rrset.from_text("example.com.", 300, "IN", "MX", "10 mail.example.com."))
r.authority.append(dns.rrset.from_text("example.com.", 300, "IN", "SOA",
                                       "ns1.example.com. h.example.com. 1 2 3 4 5"))
add("response_with_records", r.to_wire())
add("empty", b"")

# ---- write ----
os.makedirs(OUT, exist_ok=True)
for old in os.listdir(OUT):
    os.unlink(os.path.join(OUT, old))
for name, data in sorted(seeds.items()):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds written to {OUT}", file=sys.stderr)
