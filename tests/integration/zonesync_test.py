#!/usr/bin/python3
"""zonesync end to end: a Knot DNS primary -> zonesync -> two dnsd POPs and one Knot DNS POP, all provisioned by zonesync's catalog.

Cases:
  pipeline  every POP serves every zone; a change at the primary (Knot sends
            NOTIFY) reaches every POP by IXFR (counted in dnsd's metrics);
            `zone status` reads beside the server, a writer is refused
  restart   zonesync SIGKILLed and restarted: no serial lost, the POPs never
            answer SERVFAIL or REFUSED meanwhile, the next change propagates
  api       the JSON API: token, bad input refused with the reason, a zone
            added (served by every POP), its status, the time from the
            primary's NOTIFY to the last POP, removed (REFUSED); a POP added
            at run time is seen by the periodic POP check
  kill      zonesync SIGKILLed three times while pulling 16 zones: after its
            restart every POP serves every zone, and changes go by IXFR
  reload    settings from a TOML file: max_shrink = 90 lets a version with 85%
            fewer records through; rewritten to 50 and SIGHUP: the next such
            version is held; a broken file on SIGHUP changes nothing
  standby   a second zonesync follows the active one's catalog (members with
            their primaries as ext properties), pulls every zone itself and
            serves two dnsd POPs as their second primary: a zone added on the
            active reaches the standby; writes on the standby are refused;
            with either instance SIGKILLed the POPs still converge; the
            standby promoted takes writes (its catalog goes on from the
            active's serial, every member kept); the old active, demoted,
            follows it
  held      the primary serves a version without apex NS, then one that lost
            most of its records: zonesync holds each (state "held" with the
            reason), the POPs keep the last good serial; after `zone
            release` the held version is served; a good version moves on;
            a version whose RRSIGs expire before the next refresh is held,
            one signed for a month is served
"""

import os
import re
import signal
import sys
import time

from harness import (Dnsd, Knot, M_AXFR_OK, M_IXFR_OK, Zonesync, check, delta, free_port, new_secret,
                     rcode_of, run, run_cases, soa_serial, wait_for)

CATALOG = "catalog.zonesync."
ZONES = ["alpha.example.", "beta.example."]


def zone_text(origin, serial, hosts=40, ns=True, extra=""):
    lines = ["$ORIGIN %s" % origin, "$TTL 300",
             "@ SOA ns1 hostmaster %d 3600 600 86400 300" % serial]
    if ns:
        lines.append("@ NS ns1")
    lines.append("ns1 A 192.0.2.53")
    lines += ["h%d A 198.51.100.%d" % (i, i % 250) for i in range(hosts)]
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def setup(ctx, zones=None, knot_pop=True, primary_zones=None):
    """The primary with `zones` (origin -> text), zonesync with every zone,
    two dnsd POPs and (optionally) a Knot POP; returns them once every POP
    serves every zone."""
    zones = zones or {z: zone_text(z, 1) for z in ZONES}
    zs = Zonesync(ctx, os.path.abspath(ctx.options["zonesync"]), CATALOG)
    primary = Knot(ctx, primary_zones or zones, notify=[zs.port])
    primary.start()
    primary.wait_ready()
    pops = [Dnsd(ctx, ctx.binary, name="pop%d" % i) for i in (1, 2)]
    kpop = Knot(ctx, {CATALOG: ""}, secondary_of=zs.port, catalog=CATALOG) if knot_pop else None
    zs.pops = [(p.name, p.port) for p in pops] + ([("knot", kpop.port)] if kpop else [])
    for z in zones:
        rc, out = zs.cli("zone", "add", z, "127.0.0.1:%d" % primary.port)
        check(rc == 0, "zone add: %s" % out)
    t0 = time.time()
    zs.start()
    for p in pops:
        p.start(catalog=(CATALOG, zs.port))
    if kpop:
        kpop.start()
    all_pops = pops + ([kpop] if kpop else [])
    for z in zones:
        for p in all_pops:
            ok, _ = wait_for(lambda: soa_serial(p.port, z, 0.3) == 1, 15.0, 0.05)
            check(ok, "%s does not serve %s after 15 s\n%s\n--- zonesync:\n%s" % (
                p.name, z, p.tail(), zs.tail()))
    ctx.note("all %d POPs serve %d zones %.2fs after zonesync started" % (len(all_pops), len(zones),
                                                                          time.time() - t0))
    return primary, zs, pops, kpop


def wait_all(pops, zone, serial, limit=10.0):
    t0 = time.time()
    for p in pops:
        ok, _ = wait_for(lambda: soa_serial(p.port, zone, 0.3) == serial, limit, 0.01)
        check(ok, "%s does not serve %s serial %d (has %s)\n%s" % (
            p.name, zone, serial, soa_serial(p.port, zone, 0.3), p.tail()))
    return time.time() - t0


def case_pipeline(ctx):
    primary, zs, pops, kpop = setup(ctx)
    everyone = pops + [kpop]
    before = [p.metrics() for p in pops]
    times = []
    for serial in (2, 3, 4):
        primary.set_zone(ZONES[0], zone_text(ZONES[0], serial, extra="new%d TXT \"change\"" % serial))
        t0 = time.time()
        primary.reload(ZONES[0])
        wait_all(everyone, ZONES[0], serial)
        times.append(time.time() - t0)
    after = [p.metrics() for p in pops]
    for p, b, a in zip(pops, before, after):
        check(delta(a, b, M_IXFR_OK) >= 3, "%s: %d IXFRs for 3 changes" % (p.name, delta(a, b, M_IXFR_OK)))
    for p in everyone:
        r = run(["kdig", "-p", str(p.port), "@127.0.0.1", "+short", "new4.%s" % ZONES[0], "TXT"])
        check('"change"' in r.stdout, "%s: new4 TXT: %r" % (p.name, r.stdout))
    status = zs.status(ZONES[0])
    check(re.search(r"state:\s+active", status) and re.search(r"serial:\s+4", status),
          "zone status: %s" % status)
    # The POP watcher recorded when each POP served serial 4.
    ok, _ = wait_for(lambda: all(re.search(r"pop %s:\s+serial 4 since" % p.name, zs.status(ZONES[0]))
                                 for p in everyone), 10.0, 0.1)
    check(ok, "POP serials not recorded: %s" % zs.status(ZONES[0]))
    check(re.search(r"serial 4 on 3 of 3 POPs, [0-9.]+ ms after zonesync had it, [0-9.]+ ms after the "
                    r"primary's NOTIFY", zs.log_text()),
          "no convergence line in zonesync's log")
    # The server holds the database: a second writer is refused.
    rc, out = zs.cli("zone", "add", "refused.example", "127.0.0.1:%d" % free_port())
    check(rc != 0 and "in use" in out, "a writer beside the server must be refused: %s" % out)
    return "primary reload -> 3 POPs serve it: %s" % ", ".join("%.0f ms" % (t * 1000) for t in times)


def case_restart(ctx):
    primary, zs, pops, kpop = setup(ctx, knot_pop=False)
    bad = []

    full_before = [p.metrics().get(M_AXFR_OK, 0) for p in pops]
    zs.kill()
    # The POPs keep answering from their copies while zonesync is down.
    for p in pops:
        for z in ZONES:
            rc = rcode_of(p.port, z)
            if rc != "NOERROR":
                bad.append("%s %s %s" % (p.name, z, rc))
    check(not bad, "POPs answered %s while zonesync was down" % bad)
    primary.set_zone(ZONES[1], zone_text(ZONES[1], 2, extra='x TXT "while down"'))
    primary.reload(ZONES[1])
    time.sleep(0.3)
    zs.start()
    t0 = time.time()
    # The restarted zonesync still has serial 1 of both (from its database) and pulls serial 2.
    wait_all(pops, ZONES[1], 2, limit=20.0)
    t1 = time.time() - t0
    for p in pops:
        check(soa_serial(p.port, ZONES[0], 0.3) == 1, "%s lost %s" % (p.name, ZONES[0]))
    primary.set_zone(ZONES[0], zone_text(ZONES[0], 2, extra='y TXT "after"'))
    t0 = time.time()
    primary.reload(ZONES[0])
    wait_all(pops, ZONES[0], 2)
    t2 = time.time() - t0
    # The restarted zonesync serves the catalog it had, with its history: the
    # POPs took nothing whole (neither the catalog nor a member) across it.
    full_after = [p.metrics().get(M_AXFR_OK, 0) for p in pops]
    check(full_after == full_before, "AXFRs across the restart: %s before, %s after"
          % (full_before, full_after))
    check(re.search(r"catalog catalog\.zonesync\.: serial \d+ from the store", zs.log_text()),
          "zonesync did not load its catalog from the store")
    return "change made while down served %.2fs after restart; next change %.0f ms; no AXFR" % (
        t1, t2 * 1000)


def case_held(ctx):
    zones = {ZONES[0]: zone_text(ZONES[0], 1, hosts=200)}
    primary, zs, pops, _ = setup(ctx, zones=zones, knot_pop=False)
    # No NS at the apex: held.
    primary.set_zone(ZONES[0], zone_text(ZONES[0], 2, hosts=200, ns=False))
    primary.reload(ZONES[0])
    ok, _ = wait_for(lambda: "held" in zs.status(ZONES[0]), 10.0, 0.1)
    check(ok, "not held: %s" % zs.status(ZONES[0]))
    check("no NS records at the apex" in zs.status(ZONES[0]), zs.status(ZONES[0]))
    time.sleep(0.5)
    for p in pops:
        check(soa_serial(p.port, ZONES[0], 0.3) == 1, "%s moved to the held serial" % p.name)
    # Most records gone: held too.
    primary.set_zone(ZONES[0], zone_text(ZONES[0], 3, hosts=10))
    primary.reload(ZONES[0])
    ok, _ = wait_for(lambda: "serial 3" in zs.status(ZONES[0]), 10.0, 0.1)
    check(ok and "fewer" in zs.status(ZONES[0]), "not held for shrinking: %s" % zs.status(ZONES[0]))
    for p in pops:
        check(soa_serial(p.port, ZONES[0], 0.3) == 1, "%s moved to the shrunk serial" % p.name)
    # Released by the operator (the server stopped: the CLI needs the database):
    # the held version goes through as it is.
    zs.stop()
    rc, out = zs.cli("zone", "release", ZONES[0])
    check(rc == 0 and "released" in out, "zone release: %s" % out)
    zs.start()
    wait_all(pops, ZONES[0], 3)
    # A good version moves everyone on.
    primary.set_zone(ZONES[0], zone_text(ZONES[0], 4, hosts=200, extra='z TXT "good"'))
    primary.reload(ZONES[0])
    wait_all(pops, ZONES[0], 4)
    check(re.search(r"state:\s+active", zs.status(ZONES[0])), zs.status(ZONES[0]))

    # Signatures that run out before the next refresh (3600 s): held; ones
    # good for a month: served.
    def signed(serial, valid_for):
        t = time.gmtime(time.time() + valid_for)
        sig = "@ RRSIG SOA 13 2 300 %s 20260101000000 12345 %s %s" % (
            time.strftime("%Y%m%d%H%M%S", t), ZONES[0], "AAAA" * 16)
        return zone_text(ZONES[0], serial, hosts=200, extra=sig)
    primary.set_zone(ZONES[0], signed(5, 120))
    primary.reload(ZONES[0])
    ok, _ = wait_for(lambda: "serial 5" in zs.status(ZONES[0]), 10.0, 0.1)
    check(ok and "held" in zs.status(ZONES[0]) and "before the next refresh" in zs.status(ZONES[0]),
          "not held for expiring signatures: %s" % zs.status(ZONES[0]))
    for p in pops:
        check(soa_serial(p.port, ZONES[0], 0.3) == 4, "%s moved to the badly signed serial" % p.name)
    primary.set_zone(ZONES[0], signed(6, 30 * 86400))
    primary.reload(ZONES[0])
    wait_all(pops, ZONES[0], 6)
    return "held three times (no NS, shrunk, RRSIGs expiring); released serial 3 served; then 4 and 6"


def case_api(ctx):
    zones = {z: zone_text(z, 1) for z in ZONES + ["gamma.example."]}
    zs = Zonesync(ctx, os.path.abspath(ctx.options["zonesync"]), CATALOG)
    primary = Knot(ctx, zones, notify=[zs.port])
    primary.start()
    primary.wait_ready()
    pops = [Dnsd(ctx, ctx.binary, name="pop%d" % i) for i in (1, 2)]
    zs.pops = [(p.name, p.port) for p in pops]
    rc, out = zs.cli("zone", "add", ZONES[0], "127.0.0.1:%d" % primary.port)
    check(rc == 0, out)
    zs.start(http=True, extra=["--pop-check", "1"])
    for p in pops:
        p.start(catalog=(CATALOG, zs.port))
    wait_all(pops, ZONES[0], 1, limit=15.0)
    ok, _ = wait_for(lambda: zs.api("GET", "/healthz")[0] == 200, 5.0, 0.05)
    check(ok, "no /healthz:\n%s" % zs.tail())

    # Refusals, each with its reason.
    st, body = zs.api("GET", "/v1/zones", token=False)
    check(st == 401 and "bearer token" in body["error"], "no token: %s %s" % (st, body))
    st, body = zs.api("GET", "/v1/zones", token="wrong-token-123456")
    check(st == 401, "wrong token: %s %s" % (st, body))
    for bad, says in ((({"name": "bad..name", "primaries": ["127.0.0.1"]}), "not a domain name"),
                      ({"name": "x.example", "primaries": ["ns1.example.net"]}, "is not an address"),
                      ({"name": "x.example"}, "at least one primary"),
                      ({"name": "x.example", "primaries": "127.0.0.1"}, "must be an array"),
                      ("not an object", "expects a JSON object")):
        st, body = zs.api("POST", "/v1/zones", bad)
        check(st == 400 and says in body.get("error", ""), "%r: %s %s" % (bad, st, body))
    st, body = zs.api("POST", "/v1/zones", {"name": ZONES[0], "primaries": ["127.0.0.1"]})
    check(st == 409 and "exists" in body["error"], "duplicate: %s %s" % (st, body))
    # A trial transfer (for signup-web): one outcome per primary, nothing stored.
    dead = free_port()
    st, body = zs.api("POST", "/v1/probe", {"name": "gamma.example", "primaries": [
        "127.0.0.1:%d" % primary.port, "127.0.0.1:%d" % dead]}, timeout=20)
    check(st == 200 and body["ok"], "probe: %s %s" % (st, body))
    by = {p["primary"]: p for p in body["primaries"]}
    good, bad = by["127.0.0.1:%d" % primary.port], by["127.0.0.1:%d" % dead]
    check(good["outcome"] == "ok" and good["serial"] == 1 and good["records"] > 40, "probe ok: %s" % good)
    check(bad["outcome"] == "unreachable" and bad["message"], "probe dead port: %s" % bad)
    st, body = zs.api("POST", "/v1/probe", {"name": "nothere.example",
                                            "primaries": ["127.0.0.1:%d" % primary.port]}, timeout=20)
    check(st == 200 and not body["ok"] and body["primaries"][0]["outcome"] == "refused",
          "probe of a zone the primary lacks: %s %s" % (st, body))
    st, body = zs.api("GET", "/v1/zones/gamma.example")
    check(st == 404, "a probe stored its zone: %s %s" % (st, body))
    st, body = zs.api("POST", "/v1/probe", {"name": "gamma.example", "primaries": ["127.0.0.1"],
                                            "tsig_key": "nokey.example"})
    check(st == 400 and "no TSIG key" in body["error"], "probe with an unknown key: %s %s" % (st, body))
    # New primaries for a zone (PUT): the list changes, the zone keeps serving.
    st, body = zs.api("PUT", "/v1/zones/" + ZONES[0], {"primaries": [
        "127.0.0.1:%d" % primary.port, "127.0.0.1:%d" % dead]})
    check(st == 200 and len(body["primaries"]) == 2, "PUT primaries: %s %s" % (st, body))
    st, body = zs.api("PUT", "/v1/zones/" + ZONES[0], {"primaries": ["nowhere"]})
    check(st == 400 and "nowhere" in body["error"], "PUT bad primary: %s %s" % (st, body))
    st, body = zs.api("PUT", "/v1/zones/nothere.example", {"primaries": ["127.0.0.1"]})
    check(st == 404, "PUT unknown zone: %s %s" % (st, body))
    st, body = zs.api("PUT", "/v1/zones/" + ZONES[0], {"primaries": ["127.0.0.1:%d" % primary.port]})
    check(st == 200 and len(body["primaries"]) == 1, "PUT back: %s %s" % (st, body))
    # Several at once: all or none; the error names the entry.
    st, body = zs.api("POST", "/v1/zones", [{"name": "ok.example", "primaries": ["127.0.0.1"]},
                                            {"name": "x.example", "primaries": ["nowhere"]}])
    check(st == 400 and body["error"].startswith("zones[1]: primary 'nowhere'"), "bulk: %s %s" % (st, body))
    st, body = zs.api("GET", "/v1/zones/ok.example")
    check(st == 404, "a refused bulk add left ok.example: %s %s" % (st, body))
    st, body = zs.api("GET", "/v1/zones/nothere.example")
    check(st == 404, "unknown zone: %s %s" % (st, body))

    # A zone added through the API: served by every POP.
    times = []
    for z in (ZONES[1], "gamma.example."):
        t0 = time.time()
        st, body = zs.api("POST", "/v1/zones", {"name": z.rstrip("."), "owner": "hostmaster@example.com",
                                               "primaries": ["127.0.0.1:%d" % primary.port]})
        check(st == 201 and body["name"] == z and body["state"] == "pending", "add: %s %s" % (st, body))
        wait_all(pops, z, 1, limit=10.0)
        times.append(time.time() - t0)
    st, body = zs.api("GET", "/v1/zones/" + ZONES[1])
    check(st == 200 and body["state"] == "active" and body["serial"] == 1 and body["served_serial"] == 1
          and body["transfers"] and body["transfers"][0]["ok"], "status: %s %s" % (st, body))
    st, body = zs.api("GET", "/v1/zones")
    check(st == 200 and [z["name"] for z in body] == ["alpha.example.", "beta.example.", "gamma.example."],
          "list: %s" % body)
    st, body = zs.api("GET", "/v1/pops")
    check(st == 200 and {p["name"] for p in body} == {"pop1", "pop2"}, "pops: %s" % body)
    # A change at the primary: the status tells when the last POP had it,
    # counted from the primary's NOTIFY.
    primary.set_zone(ZONES[1], zone_text(ZONES[1], 2))
    primary.reload(ZONES[1])
    wait_all(pops, ZONES[1], 2)
    body, _ = wait_for(lambda: zs.api("GET", "/v1/zones/" + ZONES[1])[1].get("converged", {}).get("serial") == 2
                       and zs.api("GET", "/v1/zones/" + ZONES[1])[1], 5.0, 0.02)
    check(body and body["converged"]["pops"] == 2 and body["converged"]["after_notify_ms"] is not None
          and 0 < body["converged"]["after_notify_ms"] < 10000, "converged: %s" % body)
    rc, out = zs.cli_api("zone", "status", ZONES[1])
    check(rc == 0 and re.search(r"converged: serial 2 on 2 of 2 POPs, [0-9.]+ ms after the primary's NOTIFY", out),
          "status through the API: %s" % out)
    st, body = zs.api("POST", "/v1/zones/%s/release" % ZONES[1])
    check(st == 409 and "not held" in body["error"], "release: %s %s" % (st, body))
    st, body = zs.api("POST", "/v1/zones/%s/refresh" % ZONES[1])
    check(st == 202, "refresh: %s %s" % (st, body))

    # Removed: every POP answers REFUSED.
    t0 = time.time()
    st, body = zs.api("DELETE", "/v1/zones/gamma.example")
    check(st == 200, "delete: %s %s" % (st, body))
    for p in pops:
        ok, _ = wait_for(lambda: rcode_of(p.port, "gamma.example.") == "REFUSED", 10.0, 0.01)
        check(ok, "%s still serves gamma.example. after its removal" % p.name)
    removed = time.time() - t0
    st, body = zs.api("DELETE", "/v1/zones/gamma.example")
    check(st == 404, "delete twice: %s %s" % (st, body))
    # A primary that refuses transfers (nothing listens there): "failing", with the reason.
    dead = free_port()
    st, body = zs.api("POST", "/v1/zones", {"name": "dead.example", "primaries": ["127.0.0.1:%d" % dead]})
    check(st == 201, "add dead: %s %s" % (st, body))
    ok, _ = wait_for(lambda: zs.api("GET", "/v1/zones/dead.example")[1].get("state") == "failing", 10.0, 0.1)
    st, body = zs.api("GET", "/v1/zones/dead.example")
    check(ok and "refresh failed" in body["reason"], "dead primary: %s" % body)
    st, body = zs.api("GET", "/v1/zones/" + ZONES[0])
    check({(p["pop"], p["serial"]) for p in body["pops"]} == {("pop1", 1), ("pop2", 1)},
          "POP serials: %s" % body["pops"])
    zs.api("DELETE", "/v1/zones/dead.example")
    # The command line through the API: the same messages as on the database.
    rc, out = zs.cli_api("zone", "add", "gamma.example", "127.0.0.1:%d" % primary.port)
    check(rc == 0 and "zone gamma.example. added (primaries 127.0.0.1:" in out, "--api add: %s" % out)
    rc, out = zs.cli_api("zone", "add", "gamma.example", "127.0.0.1:%d" % primary.port)
    check(rc == 1 and "zone gamma.example. exists" in out, "--api add twice: %s" % out)
    wait_all(pops, "gamma.example.", 1)
    rc, out = zs.cli_api("zone", "list")
    check(rc == 0 and re.search(r"^gamma\.example\.\tactive\t1\t127\.0\.0\.1:", out, re.M), "--api list: %s" % out)
    rc, out = zs.cli_api("zone", "status", "gamma.example")
    check(rc == 0 and re.search(r"state:\s+active", out) and "transfer:" in out, "--api status: %s" % out)
    rc, out = zs.cli_api("zone", "rm", "gamma.example")
    check(rc == 0 and "zone gamma.example removed" in out, "--api rm: %s" % out)
    rc, out = zs.cli_api("zone", "status", "gamma.example")
    check(rc == 1 and "not found" in out, "--api status after rm: %s" % out)
    rc, out = zs.cli_api("pop", "list")
    check(rc == 0 and "pop1\t127.0.0.1:" in out, "--api pop list: %s" % out)
    # A POP added at run time gets the catalog at once and serves every zone.
    pop3 = Dnsd(ctx, ctx.binary, name="pop3")
    pop3.start(catalog=(CATALOG, zs.port))
    rc, out = zs.cli_api("pop", "add", "pop3", "127.0.0.1:%d" % pop3.port)
    check(rc == 0 and "POP pop3 added" in out, "--api pop add: %s" % out)
    t0 = time.time()
    wait_all([pop3], ZONES[1], 2, limit=10.0)
    added_pop = time.time() - t0
    # No change since: the periodic check (--pop-check 1) records pop3's serials.
    ok, _ = wait_for(lambda: ("pop3", 1) in {(p["pop"], p["serial"]) for p in
                                              zs.api("GET", "/v1/zones/" + ZONES[0])[1]["pops"]}, 5.0, 0.1)
    check(ok, "the periodic POP check did not record pop3: %s" % zs.api("GET", "/v1/zones/" + ZONES[0])[1])
    rc, out = zs.cli_api("pop", "add", "pop3", "127.0.0.1:%d" % pop3.port)
    check(rc == 1 and "POP pop3 exists" in out, "--api pop add twice: %s" % out)
    rc, out = zs.cli_api("pop", "rm", "pop3")
    check(rc == 0 and "POP pop3 removed" in out, "--api pop rm: %s" % out)
    rc, out = zs.cli_api("pop", "list")
    check(rc == 0 and "pop3" not in out, "pop3 still listed: %s" % out)
    check(re.search(r"POPs: 2 \(0 new\)", zs.log_text()), "zonesync did not take the removal")
    st, metrics = zs.api("GET", "/metrics", token=False)
    check(st == 200 and "zonesync_zones_served 2" in metrics, "metrics: %s" % metrics)
    return ("zone added through the API -> both POPs serve it: %s; removed -> REFUSED: %.0f ms; "
            "POP added at run time serves the zones %.0f ms later" % (
                ", ".join("%.0f ms" % (t * 1000) for t in times), removed * 1000, added_pop * 1000))


def case_kill(ctx):
    """SIGKILL in the middle of transfers, three times; then every zone
    converges and takes IXFR on the next change."""
    names = ["k%02d.example." % i for i in range(16)]
    zones = {z: zone_text(z, 1, hosts=3000) for z in names}
    zs = Zonesync(ctx, os.path.abspath(ctx.options["zonesync"]), CATALOG)
    primary = Knot(ctx, zones, notify=[zs.port])
    primary.start()
    primary.wait_ready(limit=30.0)
    pops = [Dnsd(ctx, ctx.binary, name="pop%d" % i) for i in (1, 2)]
    zs.pops = [(p.name, p.port) for p in pops]
    for z in names:
        rc, out = zs.cli("zone", "add", z, "127.0.0.1:%d" % primary.port)
        check(rc == 0, out)
    for p in pops:
        p.start(catalog=(CATALOG, zs.port))
    kills = []
    for delay in (0.05, 0.15, 0.3):
        zs.start(log_level="info")
        time.sleep(delay)
        done = len(re.findall(r"served to the POPs", zs.log_text()))
        zs.kill()
        kills.append(done)
    zs.start(log_level="info")
    for z in names:
        wait_all(pops, z, 1, limit=30.0)
    # Nothing lost: the next change reaches every POP by IXFR.
    before = [p.metrics() for p in pops]
    for z in names[:4]:
        primary.set_zone(z, zone_text(z, 2, hosts=3000, extra='after TXT "kill"'))
        primary.reload(z)
    for z in names[:4]:
        wait_all(pops, z, 2, limit=15.0)
    after = [p.metrics() for p in pops]
    for p, b, a in zip(pops, before, after):
        check(delta(a, b, M_IXFR_OK) >= 4, "%s: %d IXFRs for 4 changes" % (p.name, delta(a, b, M_IXFR_OK)))
    rc, out = zs.cli("zone", "list")
    check(rc == 0 and len(re.findall(r"\tactive\t", out)) == len(names), "zone list: %s" % out)
    return "killed after %s zones served (cumulative log lines); all 16 converged, 4 changes by IXFR" % kills


def case_reload(ctx):
    zones = {ZONES[0]: zone_text(ZONES[0], 1, hosts=200)}
    zs = Zonesync(ctx, os.path.abspath(ctx.options["zonesync"]), CATALOG)
    primary = Knot(ctx, zones, notify=[zs.port])
    primary.start()
    primary.wait_ready()
    pops = [Dnsd(ctx, ctx.binary, name="pop1")]
    zs.pops = [(p.name, p.port) for p in pops]
    rc, out = zs.cli("zone", "add", ZONES[0], "127.0.0.1:%d" % primary.port)
    check(rc == 0, out)
    conf = os.path.join(os.path.dirname(zs.db), "zonesync.toml")
    with open(conf, "w") as f:
        f.write("max_shrink = 90\npop_check = 0\n")
    zs.start(extra=["--config", conf])
    pops[0].start(catalog=(CATALOG, zs.port))
    wait_all(pops, ZONES[0], 1, limit=15.0)
    # 85% fewer records: through with max_shrink 90.
    primary.set_zone(ZONES[0], zone_text(ZONES[0], 2, hosts=30))
    primary.reload(ZONES[0])
    wait_all(pops, ZONES[0], 2)

    def hup(count):
        zs.proc.send_signal(signal.SIGHUP)
        ok, _ = wait_for(lambda: len(re.findall(r"SIGHUP: settings (reloaded|not reloaded)",
                                                zs.log_text())) >= count, 5.0, 0.05)
        check(ok, "no reload outcome logged after SIGHUP #%d\n%s" % (count, zs.tail()))
    with open(conf, "w") as f:
        f.write("max_shrink = 50\npop_check = 0\n")
    hup(1)
    check("max shrink 50%" in zs.log_text(), "reload line: %s" % zs.tail())
    primary.set_zone(ZONES[0], zone_text(ZONES[0], 3, hosts=3))
    primary.reload(ZONES[0])
    ok, _ = wait_for(lambda: "held" in zs.status(ZONES[0]), 10.0, 0.1)
    check(ok and "more than 50% fewer" in zs.status(ZONES[0]), "not held: %s" % zs.status(ZONES[0]))
    check(soa_serial(pops[0].port, ZONES[0], 0.3) == 2, "the POP moved to the held serial")
    # A file that does not parse: logged, nothing changes, still serving.
    with open(conf, "w") as f:
        f.write("max_shrink = [oops\n")
    hup(2)
    check("settings not reloaded" in zs.log_text(), zs.tail())
    check(zs.alive() and soa_serial(zs.port, ZONES[0], 0.3) == 2, "zonesync after a broken reload")
    return "max_shrink 90 -> 50 by SIGHUP: 85% fewer served, then held; a broken file ignored"


def axfr(port, zone):
    return run(["kdig", "-p", str(port), "@127.0.0.1", "+nocomments", "+nostats", zone, "AXFR"]).stdout


def case_standby(ctx):
    binary = os.path.abspath(ctx.options["zonesync"])
    a = Zonesync(ctx, binary, CATALOG, name="zs-a")
    b = Zonesync(ctx, binary, CATALOG, name="zs-b")
    zones = {z: zone_text(z, 1) for z in ZONES}
    new, last = "gamma.example.", "delta.example."
    zones_all = dict(zones, **{new: zone_text(new, 1), last: zone_text(last, 7)})
    primary = Knot(ctx, zones_all, notify=[a.port, b.port])
    primary.start()
    primary.wait_ready()
    pops = [Dnsd(ctx, ctx.binary, name="pop%d" % i) for i in (1, 2)]
    a.pops = b.pops = [(p.name, p.port) for p in pops]
    for z in zones:
        rc, out = a.cli("zone", "add", z, "127.0.0.1:%d" % primary.port)
        check(rc == 0, out)
    a.start(http=True, extra=["--peer", "127.0.0.1:%d" % b.port])
    b.start(http=True, extra=["--peer", "127.0.0.1:%d" % a.port, "--role", "standby"])
    for p in pops:
        p.start(catalog=(CATALOG, [a.port, b.port]))
    for z in zones:
        wait_all(pops, z, 1, limit=15.0)
        ok, _ = wait_for(lambda: soa_serial(b.port, z, 0.3) == 1, 10.0, 0.02)
        check(ok, "the standby does not serve %s: %s\n%s" % (
            z, run(["kdig", "-p", str(b.port), "@127.0.0.1", z, "SOA"]).stdout, b.tail()))
    # The catalog carries each member's primaries; the standby serves the same catalog.
    cat_a = axfr(a.port, CATALOG)
    check(re.search(r"primaries\.ext\.[0-9a-f]+\.zones\.%s\s.*TXT\s+\"127\.0\.0\.1:%d\"" % (
        re.escape(CATALOG), primary.port), cat_a), "no primaries ext property:\n%s" % cat_a)
    ok, _ = wait_for(lambda: soa_serial(b.port, CATALOG, 0.3) == soa_serial(a.port, CATALOG, 0.3),
                     5.0, 0.02)
    check(ok, "catalog serials differ: active %s, standby %s" % (
        soa_serial(a.port, CATALOG, 0.3), soa_serial(b.port, CATALOG, 0.3)))
    st, body = b.api("GET", "/healthz", token=False)
    check(st == 200 and body.get("role") == "standby", "standby /healthz: %s %s" % (st, body))
    # Writes go to the active instance.
    st, body = b.api("POST", "/v1/zones", {"name": "refused.example", "primaries": ["127.0.0.1"]})
    check(st == 409 and "standby" in body.get("error", ""), "standby took a zone: %s %s" % (st, body))
    # A zone added on the active reaches the standby (pulled from the primary).
    t0 = time.time()
    st, body = a.api("POST", "/v1/zones", {"name": new, "primaries": ["127.0.0.1:%d" % primary.port]})
    check(st == 201, "add: %s %s" % (st, body))
    ok, _ = wait_for(lambda: soa_serial(b.port, new, 0.3) == 1, 10.0, 0.005)
    t_standby = time.time() - t0
    check(ok, "the standby does not serve %s\n%s" % (new, b.tail()))
    wait_all(pops, new, 1)
    st, body = b.api("GET", "/v1/zones/" + new)
    check(st == 200 and body.get("primaries") == ["127.0.0.1:%d" % primary.port],
          "standby's zone: %s %s" % (st, body))

    def change(serial):
        primary.set_zone(ZONES[0], zone_text(ZONES[0], serial, extra='s%d TXT "standby"' % serial))
        primary.reload(ZONES[0])
        return wait_all(pops, ZONES[0], serial, limit=15.0)

    # The active down: the POPs converge through the standby.
    a.kill()
    t_a_down = change(2)
    # The active back, the standby down: the POPs converge through the active.
    a.start(http=True, extra=["--peer", "127.0.0.1:%d" % b.port])
    ok, _ = wait_for(lambda: soa_serial(a.port, ZONES[0], 0.3) == 2, 10.0, 0.02)
    check(ok, "the restarted active is not at serial 2\n%s" % a.tail())
    b.kill()
    t_b_down = change(3)
    b.start(http=True, extra=["--peer", "127.0.0.1:%d" % a.port])
    ok, _ = wait_for(lambda: soa_serial(b.port, ZONES[0], 0.3) == 3, 10.0, 0.02)
    check(ok, "the restarted standby is not at serial 3\n%s" % b.tail())
    st, body = b.api("GET", "/healthz", token=False)
    check(body.get("role") == "standby", "the role is kept in the database: %s" % body)
    # The active gone for good: promote the standby; it takes writes and its
    # catalog goes on from the active's (the POPs take it by IXFR).
    a.kill()
    rc, out = b.cli_api("promote")
    check(rc == 0 and "active" in out, "promote: %s" % out)
    before = soa_serial(b.port, CATALOG, 0.3)
    rc, out = b.cli_api("zone", "add", last, "127.0.0.1:%d" % primary.port)
    check(rc == 0, "zone add on the promoted standby: %s" % out)
    wait_all(pops, last, 7, limit=15.0)
    for p in pops:
        check(soa_serial(p.port, CATALOG, 0.3) > before, "%s: catalog not advanced" % p.name)
        for z in list(zones) + [new]:
            check(soa_serial(p.port, z, 0.3) is not None, "%s: %s lost after the promotion" % (p.name, z))
    # The old active comes back demoted: it follows the new active.
    rc, out = a.cli("demote")
    check(rc == 0 and "standby" in out, "demote: %s" % out)
    a.start(http=True, extra=["--peer", "127.0.0.1:%d" % b.port])
    ok, _ = wait_for(lambda: soa_serial(a.port, last, 0.3) == 7, 10.0, 0.02)
    check(ok, "the demoted instance does not serve %s\n%s" % (last, a.tail()))
    return ("zone added on the active -> served by the standby in %.0f ms; change with the active "
            "down -> 2 POPs in %.0f ms, with the standby down %.0f ms" % (
                t_standby * 1000, t_a_down * 1000, t_b_down * 1000))


def axfr_rcode(port, zone, key=None):
    """The outcome of an AXFR from 127.0.0.1 (a POP's address): "ok", or why not."""
    import dns.query
    import dns.tsig
    import dns.tsigkeyring
    kw = {}
    if key:
        kw = {"keyring": dns.tsigkeyring.from_text({key[0]: key[1]}), "keyname": key[0],
              "keyalgorithm": dns.tsig.HMAC_SHA256}
    try:
        n = sum(len(m.answer) for m in dns.query.xfr("127.0.0.1", zone, port=port, timeout=3, lifetime=5,
                                                     **kw))
        return "ok" if n else "empty"
    except Exception as e:  # noqa: BLE001 (any failure is the answer)
        return "%s: %s" % (type(e).__name__, e)


def case_tsig(ctx):
    """zonesync and its POPs with a TSIG key: the catalog, the members and the
    NOTIFYs are signed; an unsigned transfer from a POP's address is refused."""
    key = ("pops.key.", new_secret())
    zones = {z: zone_text(z, 1) for z in ZONES}
    zs = Zonesync(ctx, os.path.abspath(ctx.options["zonesync"]), CATALOG)
    primary = Knot(ctx, zones, notify=[zs.port])
    primary.start()
    primary.wait_ready()
    pops = [Dnsd(ctx, ctx.binary, name="pop%d" % i) for i in (1, 2)]
    kpop = Knot(ctx, {CATALOG: ""}, secondary_of=zs.port, catalog=CATALOG, tsig=key)
    zs.pops = [(p.name, p.port) for p in pops] + [("knot", kpop.port)]
    for z in zones:
        rc, out = zs.cli("zone", "add", z, "127.0.0.1:%d" % primary.port)
        check(rc == 0, "zone add: %s" % out)
    zs.start(extra=["--tsig", "%s:hmac-sha256:%s" % (key[0].rstrip("."), key[1]),
                    "--pop-key", key[0].rstrip(".")])
    for p in pops:
        p.start(catalog=(CATALOG, zs.port), tsig=key)
    kpop.start()
    for z in zones:
        for p in pops + [kpop]:
            ok, _ = wait_for(lambda: soa_serial(p.port, z, 0.3) == 1, 15.0, 0.05)
            check(ok, "%s does not serve %s with TSIG\n%s\n--- zonesync:\n%s" % (
                p.name, z, p.tail(), zs.tail()))
    # Unsigned from a POP's address: refused; signed with the key: the zone.
    for z in (CATALOG, ZONES[0]):
        unsigned = axfr_rcode(zs.port, z)
        check(unsigned != "ok", "an unsigned AXFR of %s was served" % z)
        signed = axfr_rcode(zs.port, z, key)
        check(signed == "ok", "a signed AXFR of %s: %s" % (z, signed))
    wrong = axfr_rcode(zs.port, ZONES[0], ("pops.key.", new_secret()))
    check(wrong != "ok", "an AXFR signed with a wrong secret was served")
    # A change: the signed NOTIFY is taken at once (a refused one would leave
    # the POPs to their 3600 s refresh), and the IXFR is signed too.
    before = [p.metrics() for p in pops]
    primary.set_zone(ZONES[0], zone_text(ZONES[0], 2, extra='t TXT "signed"'))
    t0 = time.time()
    primary.reload(ZONES[0])
    took = wait_all(pops + [kpop], ZONES[0], 2, limit=5.0)
    after = [p.metrics() for p in pops]
    for p, b, a in zip(pops, before, after):
        check(delta(a, b, M_IXFR_OK) >= 1, "%s took the change without IXFR" % p.name)
        acc = 'dnsd_notify_total{result="accepted"}'
        ref = 'dnsd_notify_total{result="refused"}'
        check(delta(a, b, acc) >= 1, "%s accepted no NOTIFY for the change" % p.name)
        check(delta(a, b, ref) == 0, "%s refused %d NOTIFYs (signed ones?)" % (p.name, delta(a, b, ref)))
    return "catalog and members signed to 2 dnsd and 1 Knot POP; unsigned and wrong-key AXFR " \
           "refused; change by signed NOTIFY + IXFR in %.0f ms (%s)" % (took * 1000, unsigned)


CASES = [
    ("pipeline", "pipeline", case_pipeline),
    ("restart", "restart", case_restart),
    ("held", "held", case_held),
    ("api", "api", case_api),
    ("kill", "kill", case_kill),
    ("reload", "reload", case_reload),
    ("standby", "standby", case_standby),
    ("tsig", "tsig", case_tsig),
]

if __name__ == "__main__":
    sys.exit(run_cases("zonesync", CASES, __doc__.splitlines()[0],
                       options=[("--zonesync", "path of the zonesync binary")]))
