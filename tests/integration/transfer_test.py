#!/usr/bin/python3
"""Transfers out of dnsd: Knot DNS, NSD and BIND as secondaries of dnsd.

Run with /usr/bin/python3 (needs dnspython >= 2.3).  In every case a real
primary (Knot) serves example.com. to dnsd (--secondary, with
--allow-transfer for 127.0.0.1), and a real secondary pulls the zone from
dnsd. The last line is "transfer: N passed, M failed".

Cases (--only takes case names or group names, comma-separated):

  out-knot, out-nsd, out-bind                 (group out)
      the secondary gets the zone from dnsd by AXFR; the primary changes a
      few records and dnsd takes them by IXFR; told by a NOTIFY, the
      secondary asks dnsd for IXFR and gets the difference (dnsd's log says
      "incremental"); the secondary's answers equal the primary's.
  out-knot-tsig, out-nsd-tsig, out-bind-tsig  (group tsig)
      the same with --allow-transfer 127.0.0.1:KEY and TSIG on every message.
  tools                                       (group tools)
      dig and kdig AXFR (kdig also with TSIG) get every record of the zone.
  catalog-out                                 (group catalog)
      Knot DNS consumes a catalog zone (RFC 9432 v2) that lib/xfr's producer
      built (catalog_zone), served by dnsd with its member zones: Knot serves
      the members; a new catalog version (a member added with group and ext
      properties, one removed) reaches Knot as an IXFR of the catalog (dnsd
      keeps the difference of the reload), and Knot follows it.
  refused                                     (group refused)
      a transfer from an address --allow-transfer does not name is REFUSED,
      a transfer signed with the wrong secret is NOTAUTH with a TSIG error,
      one of a name that is not a zone apex NOTAUTH; the zone keeps serving.

dnsd is started as: DNSD --listen 127.0.0.1:PORT --threads 1 --http
127.0.0.1:PORT --state-dir DIR --log-level debug --secondary
example.com@127.0.0.1:PORT --allow-transfer 127.0.0.1[:KEY] [--tsig ...].
"""

import os
import signal
import sys

import dns.message
import dns.query
import dns.rcode
import dns.tsig
import dns.tsigkeyring

from harness import (Bind, Knot, Nsd, check, compare_answers_with, new_secret, rcode_of, run, run_cases, send_notify,
                     soa_serial, tool, wait_for)

ORIGIN = "example.com."
DIG, KDIG = tool("dig"), tool("kdig")


def zone_text(serial, changed=False, bulk=300):
    lines = ["$ORIGIN example.com.", "$TTL 3600",
             "@ SOA ns1 hostmaster %d 7200 3600 1209600 300" % serial,
             "@ NS ns1", "@ MX 10 mail", "ns1 A 192.0.2.53", "mail A 192.0.2.25",
             "www A %s" % ("192.0.2.81" if changed else "192.0.2.80"),
             "alias CNAME www", "*.wild TXT \"wildcard\""]
    if changed:
        lines.append("new AAAA 2001:db8::1")
    else:
        lines.append("old TXT \"removed later\"")
    lines += ["bulk%d TXT \"%s\"" % (i, "x" * 80) for i in range(bulk)]
    return "\n".join(lines) + "\n"


QUERIES = [("", "SOA"), ("", "NS"), ("", "MX"), ("www", "A"), ("alias", "A"), ("new", "AAAA"),
           ("old", "TXT"), ("x.wild", "TXT"), ("bulk7", "TXT"), ("nx", "A")]


def chain(ctx, kind, tsig=None):
    """Knot (primary) -> dnsd -> `kind` (secondary). Returns (primary, dnsd, secondary)."""
    s1 = 2024100101
    prim = Knot(ctx, {ORIGIN: zone_text(s1)}, tsig=tsig)
    d = ctx.dnsd()
    prim.notify = [d.port]
    prim.start()
    prim.wait_ready()
    extra = ["--allow-transfer", "127.0.0.1" + (":" + tsig[0] if tsig else "")]
    d.start(secondaries=[(ORIGIN, [prim.port])], tsig=tsig, extra=extra)
    ok, _ = d.wait_serial(ORIGIN, s1, 10)
    check(ok, "dnsd did not get serial %d:\n%s" % (s1, d.tail()))
    sec = {"knot": Knot, "nsd": Nsd, "bind": Bind}[kind](ctx, {ORIGIN: None}, tsig=tsig, secondary_of=d.port)
    sec.start()
    return prim, d, sec


def case_out(ctx, kind, with_tsig):
    tsig = ("xfr-key.", new_secret()) if with_tsig else None
    prim, d, sec = chain(ctx, kind, tsig)
    s1, s2 = 2024100101, 2024100102
    ok, waited = wait_for(lambda: sec.serial(ORIGIN) == s1, 15, 0.1)
    check(ok, "%s did not get serial %d from dnsd within 15s:\n%s\n--- dnsd:\n%s"
          % (kind, s1, sec.tail(), d.tail()))
    check(d.grep(r"AXFR of example\.com\. to 127\.0\.0\.1 \(serial %d\): full zone" % s1),
          "dnsd did not log the AXFR to %s:\n%s" % (kind, d.tail()))
    diffs = compare_answers_with(prim.port, sec.port, ORIGIN, QUERIES)
    check(not diffs, "%s's answers differ from the primary's after the AXFR:\n  %s" % (kind, "\n  ".join(diffs)))
    # A change at the primary reaches dnsd by IXFR (dnsd keeps the difference) ...
    prim.set_zone(ORIGIN, zone_text(s2, changed=True))
    prim.reload(ORIGIN)
    ok, _ = d.wait_serial(ORIGIN, s2, 10)
    check(ok, "dnsd did not get serial %d:\n%s" % (s2, d.tail()))
    check(d.grep(r"zone example\.com\.: serial %d from \S+ by IXFR" % s2), "dnsd did not take the change by IXFR")
    # ... and the secondary, notified, takes it from dnsd by IXFR too.
    rc, _ = send_notify(sec.port, ORIGIN, key=tsig)
    ok, took = wait_for(lambda: sec.serial(ORIGIN) == s2, 15, 0.05)
    check(ok, "%s did not get serial %d from dnsd (NOTIFY answered %s):\n%s\n--- dnsd:\n%s"
          % (kind, s2, rc, sec.tail(), d.tail()))
    line = d.grep(r"IXFR of example\.com\. to 127\.0\.0\.1 from serial %d \(serial %d\): (\w[\w ]*), (\d+) records"
                  % (s1, s2))
    check(line and line[-1][0] == "incremental",
          "dnsd did not serve %s an incremental IXFR (log: %s):\n%s" % (kind, line, d.tail()))
    diffs = compare_answers_with(prim.port, sec.port, ORIGIN, QUERIES)
    check(not diffs, "%s's answers differ from the primary's after the IXFR:\n  %s" % (kind, "\n  ".join(diffs)))
    return "AXFR after %.2fs; IXFR (%s records) %.2fs after the NOTIFY%s" % (
        waited, line[-1][1], took, ", TSIG on every message" if tsig else "")


def count_records(output):
    return sum(1 for l in output.splitlines() if l.strip() and not l.startswith(";"))


def case_tools(ctx):
    key = ("xfr-key.", new_secret())
    prim = Knot(ctx, {ORIGIN: zone_text(7)}, tsig=key)
    prim.start()
    prim.wait_ready()
    d = ctx.dnsd()
    d.start(secondaries=[(ORIGIN, [prim.port])], tsig=key,
            extra=["--allow-transfer", "127.0.0.1:%s" % key[0], "--allow-transfer", "127.0.0.2"])
    ok, _ = d.wait_serial(ORIGIN, 7, 10)
    check(ok, "dnsd did not get the zone:\n%s" % d.tail())
    want = len(zone_text(7).splitlines()) - 2 + 1  # records, with the SOA twice
    out = run([DIG, "-b", "127.0.0.2", "@127.0.0.1", "-p", str(d.port), ORIGIN, "AXFR", "+nocomments", "+nostats"]).stdout
    got_dig = count_records(out)
    check(got_dig == want, "dig AXFR got %d records, want %d:\n%s" % (got_dig, want, out[-2000:]))
    out = run([KDIG, "-b", "127.0.0.2", "@127.0.0.1", "-p", str(d.port), ORIGIN, "AXFR", "+nocomments", "+nostats"]).stdout
    got_kdig = count_records(out)
    check(got_kdig == want, "kdig AXFR got %d records, want %d:\n%s" % (got_kdig, want, out[-2000:]))
    out = run([KDIG, "@127.0.0.1", "-p", str(d.port), "-y", "hmac-sha256:%s:%s" % (key[0], key[1]),
               ORIGIN, "AXFR", "+nocomments", "+nostats"]).stdout
    got_tsig = count_records(out) - sum(1 for l in out.splitlines() if "TSIG" in l)
    check(got_tsig == want, "kdig AXFR with TSIG got %d records, want %d:\n%s" % (got_tsig, want, out[-2000:]))
    return "dig %d, kdig %d, kdig with TSIG %d records" % (got_dig, got_kdig, got_tsig)


def axfr_rcode(port, name, source="127.0.0.1", key=None):
    q = dns.message.make_query(name, "AXFR")
    if key:
        q.use_tsig(dns.tsigkeyring.from_text({key[0]: key[1]}), keyname=key[0], algorithm=dns.tsig.HMAC_SHA256)
    try:
        r = dns.query.tcp(q, "127.0.0.1", port=port, timeout=3, source=source)
        return dns.rcode.to_text(r.rcode())
    except dns.tsig.PeerBadSignature:
        return "NOTAUTH/BADSIG"
    except Exception as e:  # noqa: BLE001 - the failure is the answer
        return "%s: %s" % (e.__class__.__name__, e)


def case_refused(ctx):
    key = ("xfr-key.", new_secret())
    prim = Knot(ctx, {ORIGIN: zone_text(9)}, tsig=key)
    prim.start()
    prim.wait_ready()
    d = ctx.dnsd()
    d.start(secondaries=[(ORIGIN, [prim.port])], tsig=key, extra=["--allow-transfer", "127.0.0.1:%s" % key[0]])
    ok, _ = d.wait_serial(ORIGIN, 9, 10)
    check(ok, "dnsd did not get the zone:\n%s" % d.tail())
    stranger = axfr_rcode(d.port, ORIGIN, source="127.0.0.2", key=key)
    check(stranger == "REFUSED", "AXFR from 127.0.0.2 answered %s" % stranger)
    unsigned = axfr_rcode(d.port, ORIGIN)
    check(unsigned == "REFUSED", "unsigned AXFR (a key is required) answered %s" % unsigned)
    wrong = axfr_rcode(d.port, ORIGIN, key=(key[0], new_secret()))
    check(wrong.startswith("NOTAUTH"), "AXFR with a wrong secret answered %s" % wrong)
    below = axfr_rcode(d.port, "www." + ORIGIN, key=key)
    check(below == "NOTAUTH", "AXFR of a name below the apex answered %s" % below)
    right = axfr_rcode(d.port, ORIGIN, key=key)
    check(right == "NOERROR", "AXFR with the right key answered %s" % right)
    check(d.serial_of(ORIGIN) == 9, "dnsd stopped serving the zone")
    return "stranger %s, unsigned %s, wrong secret %s, below the apex %s, right key %s" % (
        stranger, unsigned, wrong, below, right)


def member_zone(origin, serial=1):
    return ("$ORIGIN %s\n$TTL 300\n@ SOA ns1 hostmaster %d 60 10 600 60\n@ NS ns1\nns1 A 192.0.2.1\n"
            "www A 192.0.2.2\n" % (origin, serial))


def case_catalog_out(ctx):
    tool_path = ctx.options.get("catalog_zone")
    check(tool_path and os.access(tool_path, os.X_OK), "--catalog-zone PATH is needed (the catalog_zone program)")
    cat = "catalog.example."
    zdir = ctx.subdir("zones")
    members = ["m1.example.", "m2.example.", "m3.example."]
    files = ["--allow-transfer", "127.0.0.1"]
    for m in members:
        path = os.path.join(zdir, m + "zone")
        with open(path, "w") as f:
            f.write(member_zone(m))
        files += ["--zone-file", "%s=%s" % (m, path)]
    cat_path = os.path.join(zdir, cat + "zone")

    def write_catalog(serial, specs):
        out = run([tool_path, cat, str(serial)] + specs).stdout
        with open(cat_path, "w") as f:
            f.write(out)

    write_catalog(1, ["m1.example.;group=gold", "m2.example."])
    d = ctx.dnsd()
    d.start(extra=files + ["--zone-file", "%s=%s" % (cat, cat_path)])
    ok, _ = d.wait_serial(cat, 1, 10)
    check(ok, "dnsd does not serve the catalog:\n%s" % d.tail())
    knot = Knot(ctx, {cat: None}, secondary_of=d.port, catalog=cat)
    knot.start()
    ok, took = wait_for(lambda: soa_serial(knot.port, "m1.example.") == 1 and soa_serial(knot.port, "m2.example.") == 1,
                        20, 0.1)
    check(ok, "Knot does not serve the catalog's members within 20s:\n%s\n--- dnsd:\n%s" % (knot.tail(), d.tail()))
    # Version 2: m3 added (with properties), m2 removed; dnsd reloads, Knot is told.
    write_catalog(2, ["m1.example.;group=gold", "m3.example.;group=silver;ext.primaries=192.0.2.1:53"])
    os.utime(cat_path, (os.path.getmtime(cat_path) + 2,) * 2)
    d.proc.send_signal(signal.SIGHUP)
    ok, _ = d.wait_serial(cat, 2, 10)
    check(ok, "dnsd did not reload the catalog:\n%s" % d.tail())
    send_notify(knot.port, cat)
    ok, took2 = wait_for(lambda: soa_serial(knot.port, "m3.example.") == 1 and
                         rcode_of(knot.port, "m2.example.") == "REFUSED", 20, 0.1)
    check(ok, "Knot did not follow the catalog's change within 20s:\n%s\n--- dnsd:\n%s" % (knot.tail(), d.tail()))
    line = d.grep(r"IXFR of catalog\.example\. to 127\.0\.0\.1 from serial 1 \(serial 2\): (\w+)")
    check(line and line[-1] == "incremental", "the catalog's change did not go by IXFR (log: %s):\n%s" % (line, d.tail()))
    return "members served by Knot %.2fs after it started; the change (IXFR of the catalog) followed in %.2fs" % (
        took, took2)


CASES = []
for _k in ("knot", "nsd", "bind"):
    CASES.append(("out-" + _k, "out", (lambda k: lambda ctx: case_out(ctx, k, False))(_k)))
for _k in ("knot", "nsd", "bind"):
    CASES.append(("out-%s-tsig" % _k, "tsig", (lambda k: lambda ctx: case_out(ctx, k, True))(_k)))
CASES.append(("tools", "tools", case_tools))
CASES.append(("catalog-out", "catalog", case_catalog_out))
CASES.append(("refused", "refused", case_refused))

if __name__ == "__main__":
    sys.exit(run_cases("transfer", CASES, __doc__.splitlines()[0],
                       options=[("--catalog-zone", "the catalog_zone program (builds catalogs with lib/xfr)")]))
