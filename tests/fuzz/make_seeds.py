#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/TARGET/.

answer: 

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
OUT = os.path.join(HERE, "corpus", "answer")

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

# ---- the other targets ----

import base64  # noqa: E402
import dns.query  # noqa: E402,F401
import dns.tsig  # noqa: E402
import dns.tsigkeyring  # noqa: E402
import dns.zone  # noqa: E402

more = {"transfer": {}, "zonefile": {}, "tsig": {}, "state": {}, "catalog": {}}
ZONE = """$ORIGIN example.com.
$TTL 3600
@ SOA ns1 hm 2 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.9
www TXT "hello" "world"
*.w CNAME www
sub NS ns.sub
ns.sub A 192.0.2.3
_sip._tcp SRV 10 5 5060 www
"""


def framed(mode, messages):
    return bytes([mode]) + b"".join(struct.pack("!H", len(m)) + m for m in messages)


def xfr_response(rrsets, qtype="AXFR", qid=0x4242):
    m = dns.message.make_response(dns.message.make_query("example.com.", qtype))
    m.id = qid
    m.flags |= dns.flags.AA
    for rr in rrsets:
        m.answer.append(rr)
    return m.to_wire()


z = dns.zone.from_text(ZONE, origin="example.com.", relativize=False)
soa2 = z.find_rrset("example.com.", "SOA")
body = [rr for name, node in sorted(z.nodes.items()) for rr in
        [dns.rrset.from_rdata_list(name, rds.ttl, list(rds)) for rds in node.rdatasets] if rr.rdtype != dns.rdatatype.SOA]
more["transfer"]["axfr_one_message"] = framed(0, [xfr_response([soa2] + body + [soa2])])
more["transfer"]["axfr_three_messages"] = framed(0, [xfr_response([soa2] + body[:3]), xfr_response(body[3:]),
                                                     xfr_response([soa2])])
more["transfer"]["axfr_limits"] = framed(6, [xfr_response([soa2] + body + [soa2])])
soa1 = dns.rrset.from_text("example.com.", 3600, "IN", "SOA", "ns1.example.com. hm.example.com. 1 7200 3600 1209600 300")
gone = dns.rrset.from_text("www.example.com.", 3600, "IN", "A", "192.0.2.2")
new_a = dns.rrset.from_text("www.example.com.", 3600, "IN", "A", "192.0.2.9")
more["transfer"]["ixfr_incremental"] = framed(1, [xfr_response([soa2, soa1, gone, soa2, new_a, soa2], "IXFR")])
more["transfer"]["ixfr_up_to_date"] = framed(1, [xfr_response([soa1], "IXFR")])
more["transfer"]["ixfr_full"] = framed(1, [xfr_response([soa2] + body + [soa2], "IXFR")])
more["transfer"]["refused"] = framed(0, [b"\x42\x42\x84\x05" + b"\x00" * 8])

zones_dir = os.path.join(HERE, "..", "integration", "zones")
for f in sorted(os.listdir(zones_dir)):
    if f.endswith(".zone"):
        with open(os.path.join(zones_dir, f), "rb") as fh:
            text = fh.read()
        # Served as example.com.: the files name their own origins, which stay.
        more["zonefile"][f.replace(".zone", "")] = text
more["zonefile"]["small"] = ZONE.encode()
more["zonefile"]["svcb_forms"] = ("$ORIGIN example.com.\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n"
                                   "a HTTPS 1 . alpn=\"h2,h3\" ipv4hint=192.0.2.1 ech=AEP+DQA=\n"
                                   "b SVCB 0 target\nc CAA 0 issue ca.example\n").encode()

ring = dns.tsigkeyring.from_text({"key.example.": base64.b64encode(b"secret-secret-secret-secret").decode()})
q = dns.message.make_query("example.com.", "SOA")
q.use_tsig(ring, keyname="key.example.", algorithm=dns.tsig.HMAC_SHA256)
q.time_func = None
signed = q.to_wire()
more["tsig"]["signed_query"] = signed
more["tsig"]["unsigned_query"] = dns.message.make_query("example.com.", "SOA").to_wire()
resp = dns.message.make_response(q)
more["tsig"]["signed_response"] = resp.to_wire()
more["tsig"]["truncated_tsig"] = signed[:-5]


def snapshot(verified, primary, records):
    apex = dns.name.from_text("example.com.").to_wire()
    out = b"DNSDZN02" + struct.pack("!QIH", verified, len(records), len(apex)) + apex
    out += bytes([len(primary)]) + primary
    for owner, rtype, ttl, rdata in records:
        ow = dns.name.from_text(owner).to_wire()
        out += bytes([len(ow)]) + ow + struct.pack("!HIH", rtype, ttl, len(rdata)) + rdata
    return out


soa_rd = soa1[0].to_digestable()
recs = [("example.com.", 6, 3600, soa_rd), ("example.com.", 2, 3600, dns.name.from_text("ns1.example.com.").to_wire()),
        ("ns1.example.com.", 1, 3600, bytes([192, 0, 2, 1]))]
more["state"]["snapshot"] = b"\x00" + snapshot(1700000000, b"192.0.2.53:53", recs)
more["state"]["snapshot_v1"] = b"\x00" + b"DNSDZN01" + snapshot(1, b"", recs)[8:].replace(b"\x00example", b"example", 0)


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def journal_entry(frm, to, stamp, removed, added):
    payload = struct.pack("!IIQII", frm, to, stamp, len(removed), len(added))
    for owner, rtype, ttl, rdata in removed + added:
        ow = dns.name.from_text(owner).to_wire()
        payload += bytes([len(ow)]) + ow + struct.pack("!HIH", rtype, ttl, len(rdata)) + rdata
    return struct.pack("!I", len(payload)) + payload + struct.pack("!I", fnv1a(payload))


soa2_rd = soa2[0].to_digestable()
entry = journal_entry(1, 2, 5, [("example.com.", 6, 3600, soa_rd)], [("example.com.", 6, 3600, soa2_rd),
                                                                     ("www.example.com.", 1, 60, bytes([192, 0, 2, 9]))])
more["state"]["journal"] = b"\x01DNSDJN01" + entry + entry
more["state"]["journal_torn"] = b"\x01DNSDJN01" + entry + entry[:-3]

more["catalog"]["v2_members"] = b"""$ORIGIN catalog.example.
@ 0 SOA invalid. invalid. 1 60 10 2419200 0
@ 0 NS invalid.
version 0 TXT "2"
m1.zones 0 PTR one.example.
group.m1.zones 0 TXT "gold"
coo.m1.zones 0 PTR other.catalog.
primaries.ext.m1.zones 0 TXT "192.0.2.1:53"
m2.zones 0 PTR two.example.
"""
more["catalog"]["no_version"] = b"$ORIGIN catalog.example.\n@ SOA invalid. invalid. 1 2 3 4 5\n@ NS invalid.\n"

# ---- write ----
for target, corpus in [("answer", seeds)] + sorted(more.items()):
    out = os.path.join(HERE, "corpus", target)
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        os.unlink(os.path.join(out, old))
    for name, data in sorted(corpus.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(corpus)} seeds written to {out}", file=sys.stderr)
