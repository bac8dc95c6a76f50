#!/usr/bin/python3
"""Generates the benchmark data sets (stdlib only, deterministic for a given --seed).

  OUT/one/bench.example.zone   one zone with about --names (100,000) owner names: mostly A/AAAA,
                               some MX, TXT, SRV, CNAME, a wildcard branch (*.wild), ~1% delegations
                               with glue, empty non-terminals (the dept* labels)
  OUT/one/queries.txt          query list over it ("name TYPE" a line, shuffled):
                               ~80% existing names with their types, ~8% NXDOMAIN, ~5% NODATA,
                               ~4% wildcard matches, ~3% referrals; ~10% of names in mixed case
  OUT/many/zones/zNNNNN.example.zone   --zones (10,000) small zones, ~15 records each
  OUT/many/zones.list          "zone-name path" a line
  OUT/many/queries.txt         query list over them with the same mix
  OUT/big/big.example.zone     with --big: one zone of 1,000,000 records (load time / memory)
  OUT/meta.txt                 key=value facts (serials, counts, expected rcode shares)

Usage: gen_zones.py OUT [--names 100000] [--zones 10000] [--queries 200000] [--big]
                        [--big-records 1000000] [--seed 1] [--only one,many,big]
"""
import argparse
import os
import random
import sys

SERIAL_ONE = 2024010101
SERIAL_MANY = 2024010102
SERIAL_BIG = 2024010103

WORDS = ("www mail smtp imap pop api app cdn static img media vpn gw fw db sql cache web shop "
         "store blog wiki git ci build docs portal login auth sso id crm erp hr pay billing "
         "files ftp backup mon metrics log sip voip chat meet news beta dev test stage prod "
         "edge proxy lb node host srv vm pc nas print dns ntp ldap radius").split()


def mixcase(rng, name):
    return "".join(c.upper() if c.isalpha() and rng.random() < 0.5 else c for c in name)


def v4(i):
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255 or 1)


def v6(i):
    return "2001:db8:%x:%x::%x" % ((i >> 16) & 0xffff, i & 0xffff, (i % 250) + 1)


class Queries:
    """Collects queries per category, then mixes them in the target shares."""

    SHARES = (("exist", 0.80), ("nxdomain", 0.08), ("nodata", 0.05), ("wildcard", 0.04),
              ("referral", 0.03))

    def __init__(self, rng, total, mixed_case=0.10):
        self.rng, self.total, self.mixed = rng, total, mixed_case

    def write(self, path, gens):
        """gens: category -> function() returning (name, type)."""
        rng = self.rng
        lines = []
        counts = {}
        for cat, share in self.SHARES:
            n = int(round(self.total * share))
            counts[cat] = n
            g = gens[cat]
            for _ in range(n):
                name, qtype = g()
                if rng.random() < self.mixed:
                    name = mixcase(rng, name)
                lines.append("%s %s\n" % (name, qtype))
        rng.shuffle(lines)
        with open(path, "w") as f:
            f.writelines(lines)
        return counts


# --------------------------------------------------------------------------- one big zone
def gen_one(out, n_names, n_queries, rng):
    origin = "bench.example."
    d = os.path.join(out, "one")
    os.makedirs(d, exist_ok=True)
    zpath = os.path.join(d, "bench.example.zone")
    names = []          # (relative owner, [types]) of names that answer (not delegations)
    delegations = []    # relative owner of each delegation point
    depts = ["dept%d" % i for i in range(200)]   # empty non-terminals
    rr = 0
    with open(zpath, "w") as z:
        w = z.write
        w("$ORIGIN %s\n$TTL 3600\n" % origin)
        w("@ IN SOA ns1.%s hostmaster.%s %d 7200 3600 1209600 300\n" % (origin, origin, SERIAL_ONE))
        w("@ IN NS ns1.%s\n@ IN NS ns2.%s\n" % (origin, origin))
        w("@ IN A 192.0.2.1\n@ IN AAAA 2001:db8::1\n@ IN MX 10 mail\n")
        w('@ IN TXT "v=spf1 mx -all"\n')
        w("ns1 IN A 192.0.2.53\nns1 IN AAAA 2001:db8::53\nns2 IN A 192.0.2.54\nns2 IN AAAA 2001:db8::54\n")
        w("mail IN A 192.0.2.25\n")
        rr += 12
        names += [("", ["SOA", "NS", "A", "AAAA", "MX", "TXT"]), ("ns1", ["A", "AAAA"]),
                  ("ns2", ["A", "AAAA"]), ("mail", ["A"])]
        # wildcard branch: *.wild answers A, AAAA, TXT; one explicit name beside it
        w("*.wild IN A 192.0.2.80\n*.wild IN AAAA 2001:db8::80\n")
        w('*.wild IN TXT "wildcard answer"\nfixed.wild IN A 192.0.2.81\n')
        rr += 4
        names.append(("fixed.wild", ["A"]))
        # SRV records
        for svc in ("_sip._tcp", "_sip._udp", "_xmpp-server._tcp", "_ldap._tcp", "_imaps._tcp"):
            w("%s IN SRV 10 60 5060 mail\n" % svc)
            names.append((svc, ["SRV"]))
            rr += 1
        for i in range(n_names):
            r = rng.random()
            word = WORDS[i % len(WORDS)]
            if rng.random() < 0.3:
                owner = "%s%d.%s" % (word, i, depts[i % len(depts)])
            else:
                owner = "%s%d" % (word, i)
            if r < 0.01:   # delegation with glue
                sub = "sub%d" % i
                w("%s IN NS ns1.%s\n%s IN NS ns2.%s\n" % (sub, sub, sub, sub))
                w("ns1.%s IN A %s\nns2.%s IN AAAA %s\n" % (sub, v4(i), sub, v6(i)))
                rr += 4
                delegations.append(sub)
                continue
            if r < 0.56:
                w("%s IN A %s\n" % (owner, v4(i))); types = ["A"]; rr += 1
            elif r < 0.76:
                w("%s IN A %s\n%s IN AAAA %s\n" % (owner, v4(i), owner, v6(i))); types = ["A", "AAAA"]; rr += 2
            elif r < 0.81:
                w("%s IN AAAA %s\n" % (owner, v6(i))); types = ["AAAA"]; rr += 1
            elif r < 0.86 and len(names) > 10:
                target = rng.choice(names[10:])[0]
                w("%s IN CNAME %s\n" % (owner, target)); types = ["CNAME"]; rr += 1
            elif r < 0.91:
                w('%s IN A %s\n%s IN TXT "id=%d; owner=%s; note=generated record for benchmarking"\n'
                  % (owner, v4(i), owner, i, word)); types = ["A", "TXT"]; rr += 2
            elif r < 0.95:
                w("%s IN A %s\n%s IN MX 10 %s\n%s IN MX 20 mail\n" % (owner, v4(i), owner, owner, owner))
                types = ["A", "MX"]; rr += 3
            else:
                w("%s IN A %s\n%s IN A %s\n%s IN AAAA %s\n%s IN TXT \"multi\"\n"
                  % (owner, v4(i), owner, v4(i + 7), owner, v6(i), owner))
                types = ["A", "AAAA", "TXT"]; rr += 4
            names.append((owner, types))

    def fq(rel):
        return (rel + "." + origin) if rel else origin

    all_types = ["A", "AAAA", "MX", "TXT", "SRV", "CNAME", "NS", "SOA", "CAA"]

    def g_exist():
        owner, types = rng.choice(names)
        t = rng.choice(types)
        if t == "CNAME" and rng.random() < 0.7:
            t = "A"   # follow the CNAME (answer = CNAME + target's data or NODATA)
        return fq(owner), t

    def g_nx():
        k = rng.randrange(3)
        if k == 0:
            return "nx%d.%s" % (rng.randrange(10 ** 9), origin), rng.choice(["A", "AAAA", "MX"])
        if k == 1:
            return "nx%d.%s.%s" % (rng.randrange(10 ** 9), rng.choice(depts), origin), "A"
        owner, _ = rng.choice(names[10:])
        return "nx%d.%s" % (rng.randrange(10 ** 6), fq(owner)), "A"

    def g_nodata():
        if rng.random() < 0.2:
            return "%s.%s" % (rng.choice(depts), origin), "A"    # empty non-terminal
        while True:
            owner, types = rng.choice(names)
            if "CNAME" in types:
                continue
            missing = [t for t in all_types if t not in types and t not in ("CNAME", "NS", "SOA")]
            return fq(owner), rng.choice(missing)

    def g_wild():
        return "w%d.wild.%s" % (rng.randrange(10 ** 9), origin), rng.choice(["A", "A", "AAAA", "TXT"])

    def g_ref():
        sub = rng.choice(delegations)
        k = rng.randrange(3)
        if k == 0:
            return "%s.%s" % (sub, origin), rng.choice(["A", "NS"])
        return "%s%d.%s.%s" % (rng.choice(WORDS), rng.randrange(1000), sub, origin), rng.choice(["A", "AAAA"])

    counts = Queries(rng, n_queries).write(os.path.join(d, "queries.txt"), {
        "exist": g_exist, "nxdomain": g_nx, "nodata": g_nodata, "wildcard": g_wild, "referral": g_ref})
    return {"one_zone": "bench.example.", "one_file": zpath, "one_serial": SERIAL_ONE,
            "one_names": len(names) + len(delegations), "one_records": rr,
            "one_delegations": len(delegations), "one_queries": n_queries,
            **{"one_q_" + k: v for k, v in counts.items()}}


# --------------------------------------------------------------------------- many small zones
def gen_many(out, n_zones, n_queries, rng):
    d = os.path.join(out, "many")
    zd = os.path.join(d, "zones")
    os.makedirs(zd, exist_ok=True)
    zones = []
    with open(os.path.join(d, "zones.list"), "w") as lst:
        for i in range(1, n_zones + 1):
            name = "z%05d.example." % i
            path = os.path.join(zd, name + "zone")
            with open(path, "w") as z:
                z.write("$ORIGIN %s\n$TTL 3600\n"
                        "@ IN SOA ns1 hostmaster %d 7200 3600 1209600 300\n"
                        "@ IN NS ns1\n@ IN NS ns2\n"
                        "@ IN A %s\n@ IN MX 10 mail\n@ IN TXT \"v=spf1 mx -all\"\n"
                        "ns1 IN A %s\nns2 IN A %s\n"
                        "www IN A %s\nwww IN AAAA %s\n"
                        "mail IN A %s\n"
                        "ftp IN CNAME www\n"
                        "*.dyn IN A %s\n"
                        "sub IN NS ns.sub\nns.sub IN A %s\n"
                        % (name, SERIAL_MANY, v4(i * 8), v4(i * 8 + 1), v4(i * 8 + 2), v4(i * 8 + 3),
                           v6(i), v4(i * 8 + 4), v4(i * 8 + 5), v4(i * 8 + 6)))
            lst.write("%s %s\n" % (name, path))
            zones.append(name)
    existing = [("", "SOA"), ("", "NS"), ("", "A"), ("", "MX"), ("", "TXT"), ("ns1", "A"),
                ("ns2", "A"), ("www", "A"), ("www", "AAAA"), ("mail", "A"), ("ftp", "A"),
                ("ftp", "CNAME")]
    nodata = [("www", "MX"), ("mail", "AAAA"), ("ns1", "TXT"), ("", "AAAA"), ("dyn", "A")]

    def fq(rel, z):
        return (rel + "." + z) if rel else z

    def g_exist():
        rel, t = rng.choice(existing)
        return fq(rel, rng.choice(zones)), t

    def g_nx():
        return "nx%d.%s" % (rng.randrange(10 ** 9), rng.choice(zones)), rng.choice(["A", "AAAA"])

    def g_nodata():
        rel, t = rng.choice(nodata)
        return fq(rel, rng.choice(zones)), t

    def g_wild():
        return "h%d.dyn.%s" % (rng.randrange(10 ** 9), rng.choice(zones)), "A"

    def g_ref():
        z = rng.choice(zones)
        return (("sub." + z, "NS") if rng.random() < 0.3
                else ("host%d.sub.%s" % (rng.randrange(1000), z), "A"))

    counts = Queries(rng, n_queries).write(os.path.join(d, "queries.txt"), {
        "exist": g_exist, "nxdomain": g_nx, "nodata": g_nodata, "wildcard": g_wild, "referral": g_ref})
    return {"many_zones": n_zones, "many_list": os.path.join(d, "zones.list"),
            "many_serial": SERIAL_MANY, "many_first": zones[0], "many_last": zones[-1],
            "many_queries": n_queries, **{"many_q_" + k: v for k, v in counts.items()}}


# --------------------------------------------------------------------------- big zone
def gen_big(out, n_records):
    origin = "big.example."
    d = os.path.join(out, "big")
    os.makedirs(d, exist_ok=True)
    zpath = os.path.join(d, "big.example.zone")
    n_names = (n_records - 3) // 2
    extra = (n_records - 3) % 2   # one apex TXT to make the count exact
    with open(zpath, "w") as z:
        z.write("$ORIGIN %s\n$TTL 3600\n@ IN SOA ns1 hostmaster %d 7200 3600 1209600 300\n"
                "@ IN NS ns1\nns1 IN A 192.0.2.53\n" % (origin, SERIAL_BIG))
        if extra:
            z.write('@ IN TXT "big zone"\n')
        buf = []
        for i in range(n_names):
            buf.append("h%d IN A %s\nh%d IN AAAA %s\n" % (i, v4(i), i, v6(i)))
            if len(buf) >= 10000:
                z.write("".join(buf)); buf.clear()
        z.write("".join(buf))
    with open(os.path.join(d, "queries.txt"), "w") as q:
        rng = random.Random(7)
        for _ in range(100000):
            q.write("h%d.%s %s\n" % (rng.randrange(n_names), origin, rng.choice(["A", "AAAA"])))
    return {"big_zone": origin, "big_file": zpath, "big_serial": SERIAL_BIG,
            "big_records": 3 + 2 * n_names + extra}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--names", type=int, default=100000)
    ap.add_argument("--zones", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=200000)
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--big-records", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="one,many,big")
    a = ap.parse_args()
    if a.zones > 99999:
        sys.exit("gen_zones: --zones must be < 100000")
    os.makedirs(a.out, exist_ok=True)
    only = set(a.only.split(","))
    meta = {}
    if "one" in only:
        meta.update(gen_one(a.out, a.names, a.queries, random.Random(a.seed)))
    if "many" in only:
        meta.update(gen_many(a.out, a.zones, a.queries, random.Random(a.seed + 1)))
    if a.big and "big" in only:
        meta.update(gen_big(a.out, a.big_records))
    with open(os.path.join(a.out, "meta.txt"), "w") as m:
        for k, v in meta.items():
            m.write("%s=%s\n" % (k, v))
    for k, v in meta.items():
        print("%s=%s" % (k, v))


if __name__ == "__main__":
    main()
