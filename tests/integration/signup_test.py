#!/usr/bin/python3
"""signup-web end to end, with real parts on loopback:

  public DNS   Knot DNS on 127.0.53.1:53 serving a small root zone and the
               TLD "example." (delegations with glue), and Unbound as the
               recursive resolver whose only root server is that Knot
  primary      Knot DNS on 127.0.53.2:53, the customers' primary (and the
               zones' public servers): shop.example. (RNAME
               hostmaster\\.dns.shop.example.), closed.example. (refuses
               transfers), and a few more
  service      zonesync with its API, two dnsd POPs following its catalog
  mail         aiosmtpd (Debian's python3-aiosmtpd) keeping every message
               in a Maildir
  browser      Debian's headless Chromium driven by playwright-core

Cases:
  flow      the form filled in Chromium; the mail read from the SMTP server
            (to hostmaster.dns@shop.example); a prefetch (GET) of the link,
            twice, confirms nothing; the button pressed: the zone reaches
            both POPs and the status page shows both at the primary's
            serial, then at the next serial after a change at the primary
            (its NOTIFY); the delegation check's alert mail (our name
            servers missing), its pause link confirmed in the browser; a
            second signup is refused; the used link is refused; the
            removal, confirmed by mail too: both POPs answer REFUSED
  refusals  a public suffix (co.uk, example) is refused; a name not in
            public DNS gets a precise message; a primary that refuses AXFR
            gets the precise error and no mail goes out; a POST without the
            CSRF cookie is refused; a link past its lifetime (2 s, set by
            SIGHUP from the config file) is refused and confirms nothing;
            three mails for one zone in an hour, then HTTP 429 with
            Retry-After and no fourth mail; an operator's fifteen zones (one
            mailbox, one address) all get their mail, the sixteenth is 429

Needs root (the public servers listen on port 53 of 127.0.53.x, as real
ones do, because resolvers follow referrals to port 53); exits 77 (skipped)
otherwise.
"""

import http.cookiejar
import json
import mailbox
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import (KNOTC, KNOTD, Dnsd, Proc, Zonesync, check, free_port, log, rcode_of, run_cases,
                     soa_serial, tool, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(HERE, "browser")
PUBLIC, PRIMARY, RESOLVER = "127.0.53.1", "127.0.53.2", "127.0.53.3"
CATALOG = "catalog.zonesync."
NODE = tool("node")
UNBOUND = tool("unbound")
PYTHON = "/usr/bin/python3"

# The zones the customer primary serves: origin -> may zonesync transfer it?
CUSTOMER = {"shop.example.": True, "closed.example.": False, "second.example.": True,
            "burst.example.": True}
# An operator's zones, one mailbox for all (hostmaster@ops.example).
FLEET = ["fleet%02d.example." % i for i in range(16)]


def customer_zone(origin, serial):
    rname = "hostmaster.ops.example." if origin in FLEET else "hostmaster\\.dns"
    return "\n".join([
        "$ORIGIN %s" % origin, "$TTL 60",
        "@ SOA ns1 %s %d 3600 600 604800 60" % (rname, serial),
        "@ NS ns1", "ns1 A %s" % PRIMARY, "www A 198.51.100.80",
        'info TXT "serial %d"' % serial]) + "\n"


def public_zones():
    root = ["$ORIGIN .", "$TTL 60", "@ SOA ns.nic.example. hostmaster.nic.example. 1 3600 600 604800 60",
            "@ NS ns.nic.example.", "example. NS ns.nic.example.", "ns.nic.example. A %s" % PUBLIC]
    tld = ["$ORIGIN example.", "$TTL 60", "@ SOA ns.nic hostmaster.nic 1 3600 600 604800 60",
           "@ NS ns.nic", "ns.nic A %s" % PUBLIC]
    for z in list(CUSTOMER) + FLEET:
        label = z.split(".")[0]
        tld += ["%s NS ns1.%s" % (label, label), "ns1.%s A %s" % (label, PRIMARY)]
    return {".": "\n".join(root) + "\n", "example.": "\n".join(tld) + "\n"}


class KnotAt(Proc):
    """Knot DNS on ADDR:53 serving `zones` {origin: (text, transfers allowed)},
    NOTIFY to `notify` (a port on 127.0.0.1) sent from ADDR."""

    def __init__(self, ctx, name, addr, zones, notify=None):
        self.dir = ctx.subdir(name)
        super().__init__(ctx, name, os.path.join(self.dir, "knot.log"))
        self.addr, self.zones, self.notify = addr, zones, notify
        self.conf = os.path.join(self.dir, "knot.conf")

    def path(self, origin):
        return os.path.join(self.dir, (origin.rstrip(".") or "root") + ".zone")

    def start(self):
        c = ["server:", '    rundir: "%s"' % self.dir, "    listen: %s@53" % self.addr,
             "    udp-workers: 1", "    tcp-workers: 1", "    background-workers: 1",
             "log:", "  - target: stderr", "    any: info",
             "database:", '    storage: "%s/db"' % self.dir,
             "control:", '    listen: "%s/knot.sock"' % self.dir,
             "acl:", "  - id: xfr", "    address: 127.0.0.0/8", "    action: transfer"]
        if self.notify:
            c += ["remote:", "  - id: zonesync", "    address: 127.0.0.1@%d" % self.notify,
                  "    via: %s" % self.addr]
        c += ["template:", "  - id: default", '    storage: "%s"' % self.dir,
              "    zonefile-sync: -1", "    semantic-checks: off", "zone:"]
        for origin, (text, xfr) in self.zones.items():
            with open(self.path(origin), "w") as f:
                f.write(text)
            c += ["  - domain: \"%s\"" % origin, '    file: "%s"' % self.path(origin)]
            if xfr:
                c.append("    acl: xfr")
            if self.notify and xfr:
                c.append("    notify: zonesync")
        with open(self.conf, "w") as f:
            f.write("\n".join(c) + "\n")
        self.spawn([KNOTD, "-c", self.conf])
        ok, _ = wait_for(lambda: all(self.serial(o) is not None for o in self.zones), 15.0, 0.1)
        check(ok, "%s did not start:\n%s" % (self.name, self.tail()))

    def serial(self, origin):
        return soa_serial_at(self.addr, 53, origin)

    def change(self, origin, text):
        old = os.stat(self.path(origin)).st_mtime
        with open(self.path(origin), "w") as f:
            f.write(text)
        t = max(time.time(), old + 1.5)
        os.utime(self.path(origin), (t, t))
        subprocess.run([KNOTC, "-c", self.conf, "zone-reload", origin], capture_output=True, timeout=10)


def soa_serial_at(addr, port, zone, rd=False):
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    q = dns.message.make_query(zone, "SOA")
    if not rd:
        q.flags &= ~dns.flags.RD
    try:
        r = dns.query.udp(q, addr, port=port, timeout=1.0)
    except Exception:  # noqa: BLE001 - no answer
        return None
    if r.rcode() != dns.rcode.NOERROR:
        return None
    for rrset in r.answer:
        if rrset.rdtype == 6:
            return rrset[0].serial
    return None


class Unbound(Proc):
    def __init__(self, ctx):
        self.dir = ctx.subdir("unbound")
        super().__init__(ctx, "unbound", os.path.join(self.dir, "unbound.log"))
        self.port = free_port()

    def start(self):
        conf = os.path.join(self.dir, "unbound.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "server:", "  interface: %s@%d" % (RESOLVER, self.port), "  port: %d" % self.port,
                "  do-daemonize: no", '  username: ""', '  chroot: ""', '  directory: "%s"' % self.dir,
                '  pidfile: "%s/unbound.pid"' % self.dir, '  logfile: ""', "  use-syslog: no",
                "  verbosity: 1", "  num-threads: 1", "  do-not-query-localhost: no",
                '  module-config: "iterator"', "  qname-minimisation: no",
                "  access-control: 127.0.0.0/8 allow", "  cache-max-ttl: 5", "  cache-max-negative-ttl: 5",
                "remote-control:", "  control-enable: no",
                "stub-zone:", '  name: "."', "  stub-addr: %s@53" % PUBLIC]) + "\n")
        self.spawn([UNBOUND, "-d", "-c", conf])
        ok, _ = wait_for(lambda: soa_serial_at(RESOLVER, self.port, "shop.example.", rd=True), 15.0, 0.2)
        check(ok, "Unbound does not resolve shop.example. SOA through the local root:\n%s" % self.tail())


class Smtp(Proc):
    def __init__(self, ctx):
        self.dir = ctx.subdir("smtp")
        super().__init__(ctx, "smtp", os.path.join(self.dir, "smtp.log"))
        self.port = free_port()
        self.maildir = os.path.join(self.dir, "Maildir")

    def start(self):
        self.spawn([PYTHON, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % self.port,
                    "-c", "aiosmtpd.handlers.Mailbox", self.maildir])
        import socket

        def up():
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as s:
                    return s.recv(100).startswith(b"220")
            except OSError:
                return False
        ok, _ = wait_for(up, 15.0, 0.1)
        check(ok, "aiosmtpd did not start:\n%s" % self.tail())

    def mails(self):
        if not os.path.isdir(os.path.join(self.maildir, "new")):
            return []
        box = mailbox.Maildir(self.maildir, create=False)
        out = [m for _, m in sorted(box.items(), key=lambda kv: kv[1].get_date())]
        return out


def body_of(m):
    part = m.get_payload(decode=True)
    return (part or b"").decode("utf-8", errors="replace")


class SignupWeb(Proc):
    def __init__(self, ctx, binary, zs, resolver, smtp):
        self.dir = ctx.subdir("signup-web")
        super().__init__(ctx, "signup-web", os.path.join(self.dir, "signup-web.log"))
        self.binary = binary
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.config = os.path.join(self.dir, "signup-web.toml")
        self.cmd = [binary, "--config", self.config, "--listen", "127.0.0.1:%d" % self.port,
                    "--zonesync", "http://127.0.0.1:%d" % zs.http_port,
                    "--token-file", os.path.join(os.path.dirname(zs.db), "token"),
                    "--resolver", "%s:%d" % (RESOLVER, resolver.port),
                    "--smtp", "smtp://127.0.0.1:%d" % smtp.port, "--mail-from", "signup@service.test",
                    "--base-url", self.base, "--db", os.path.join(self.dir, "signup.db"),
                    "--ns", "ns1.anycast.test", "--ns", "ns2.anycast.test",
                    "--transfer-from", "127.0.0.1", "--notify-to", "127.0.0.1:%d" % zs.port,
                    "--allow-private-primaries", "--log-level", "debug"]
        self.write_config()

    def write_config(self, **settings):
        with open(self.config, "w") as f:
            for k, v in settings.items():
                f.write("%s = %s\n" % (k, v))

    def start(self):
        self.spawn(self.cmd)
        ok, _ = wait_for(lambda: http_get(self.base + "/healthz")[0] == 200, 15.0, 0.1)
        check(ok, "signup-web did not start:\n%s" % self.tail())

    def reload(self, **settings):
        mark = len(self.log_text())
        self.write_config(**settings)
        self.proc.send_signal(signal.SIGHUP)
        ok, _ = wait_for(lambda: "SIGHUP: settings reloaded" in self.log_text()[mark:], 5.0, 0.05)
        check(ok, "no reload after SIGHUP:\n%s" % self.tail())


def http_get(url, opener=None, headers=None):
    """(status, headers, body); (None, {}, error) when nothing answered."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")
    except OSError as e:
        return None, {}, str(e)


class Client:
    """A plain HTTP client with cookies, as a script (or a mail scanner) would be."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        return http_get(self.base + path, self.opener)

    def csrf(self):
        st, _, body = self.get("/")
        m = re.search(r'name="csrf" value="([^"]+)"', body)
        check(st == 200 and m, "no CSRF field on the form: %s %s" % (st, body[:300]))
        return m.group(1)

    def post(self, path, fields, csrf=True):
        if csrf:
            fields = dict(fields, csrf=self.csrf())
        req = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(fields).encode(),
                                     method="POST")
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode(errors="replace")

    def signup(self, domain, primaries=PRIMARY, key=""):
        return self.post("/signup", {"domain": domain, "primaries": primaries, "key": key})


def browse(*args):
    env = dict(os.environ, NODE_PATH=os.path.join(BROWSER_DIR, "node_modules"))
    r = subprocess.run([NODE, os.path.join(BROWSER_DIR, "browse.mjs")] + list(args), capture_output=True,
                       text=True, timeout=120, cwd=BROWSER_DIR, env=env)
    try:
        out = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise AssertionError("browse.mjs %s: %s %s" % (args[0], r.stdout[-500:], r.stderr[-2000:]))
    check("error" not in out, "Chromium, %s: %s" % (args[0], out.get("error")))
    return out


def link_in(mail):
    m = re.search(r"(http://\S+/confirm\?t=[A-Za-z0-9_-]+)", body_of(mail))
    check(m, "no confirmation link in the mail:\n%s" % body_of(mail))
    return m.group(1)


def setup(ctx):
    check(os.geteuid() == 0, "needs root")
    public = KnotAt(ctx, "public", PUBLIC, {o: (t, False) for o, t in public_zones().items()})
    public.start()
    zs = Zonesync(ctx, os.path.abspath(ctx.options["zonesync"]), CATALOG)
    primary = KnotAt(ctx, "primary", PRIMARY,
                     {o: (customer_zone(o, 10), xfr) for o, xfr in CUSTOMER.items()}
                     | {o: (customer_zone(o, 1), True) for o in FLEET}, notify=zs.port)
    primary.start()
    resolver = Unbound(ctx)
    resolver.start()
    smtp = Smtp(ctx)
    smtp.start()
    pops = [Dnsd(ctx, ctx.binary, name="pop%d" % i) for i in (1, 2)]
    zs.pops = [(p.name, p.port) for p in pops]
    zs.start(http=True, extra=["--pop-check", "1"])
    for p in pops:
        p.start(catalog=(CATALOG, zs.port))
    ok, _ = wait_for(lambda: all(soa_serial(p.port, CATALOG, 0.3) for p in pops), 15.0, 0.1)
    check(ok, "the POPs do not serve the catalog:\n%s" % zs.tail())
    web = SignupWeb(ctx, os.path.abspath(ctx.options["signup_web"]), zs, resolver, smtp)
    web.start()
    return primary, zs, pops, web, smtp


def pop_serials(web, zone):
    """{pop: serial} from the status page (plain HTTP)."""
    st, _, body = http_get(web.base + "/zone/" + zone)
    if st != 200:
        return {}
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"<tr><td>(pop\d)</td><td>(\d+)</td>", body)}


def case_flow(ctx):
    primary, zs, pops, web, smtp = setup(ctx)
    zone = "shop.example."
    # The form, in Chromium.
    page = browse("signup", web.base, "Shop.Example", PRIMARY)
    check(page["status"] == 200 and "Check your mail" in page["title"], "form: %s" % page)
    check("hostmaster.dns@shop.example" in page["text"], "the page names the mailbox: %s" % page["text"])
    mails, _ = wait_for(smtp.mails, 10.0, 0.1)
    check(mails and len(mails) == 1, "one mail expected, got %d" % len(mails or []))
    m = mails[0]
    check(m["To"] == "hostmaster.dns@shop.example", "mail To: %s" % m["To"])
    check(m["From"] == "signup@service.test" and m["Auto-Submitted"] == "auto-generated",
          "mail headers: %s" % dict(m.items()))
    link = link_in(m)
    # A mail scanner follows the link (twice): nothing is confirmed.
    for _ in range(2):
        st, _, body = http_get(link)
        check(st == 200 and "Confirm" in body and 'method="post"' in body, "GET of the link: %s %s" % (st, body[:300]))
    st, _ = zs.api("GET", "/v1/zones/" + zone)
    check(st == 404, "a GET of the link must confirm nothing: zonesync has the zone (%s)" % st)
    # The owner presses the button.
    t0 = time.time()
    done = browse("confirm", link)
    check(done["get"]["status"] == 200 and "allow-transfer" in done["get"]["text"],
          "confirm page (with the primary's settings): %s" % done["get"]["text"][:500])
    check(done["status"] == 200 and "/zone/shop.example." in done["url"] and "Done" in done["text"],
          "after the button: %s %s %s" % (done["status"], done["url"], done["text"][:300]))
    for p in pops:
        ok, _ = wait_for(lambda: soa_serial(p.port, zone, 0.3) == 10, 15.0, 0.05)
        check(ok, "%s does not serve %s:\n%s" % (p.name, zone, zs.tail()))
    served = time.time() - t0
    ok, _ = wait_for(lambda: pop_serials(web, zone) == {"pop1": 10, "pop2": 10}, 15.0, 0.2)
    check(ok, "status page: POP serials %s" % pop_serials(web, zone))
    status = browse("open", web.base + "/zone/" + zone)
    text = status["text"]
    check(re.search(r"Serial from your primary\s+10", text), "primary serial on the status page:\n%s" % text)
    check(re.search(r"pop1\s+10", text) and re.search(r"pop2\s+10", text), "POP rows:\n%s" % text)
    check("does not list our name servers yet" in text and "ns1.anycast.test" in text
          and "own NS set" in text, "the delegation check and the NS records to add:\n%s" % text)
    # The delegation check found our name servers missing: one alert mail,
    # with links that pause alerts or remove the zone, each behind a button.
    alerts, _ = wait_for(lambda: [x for x in smtp.mails() if x["Subject"].startswith("Alert for shop")],
                         10.0, 0.1)
    check(alerts and len(alerts) == 1, "alert mails: %d" % len(alerts or []))
    text = body_of(alerts[0])
    check("missing from the delegation" in text and "Remove the zone: " in text, "alert: %s" % text)
    pause = re.search(r"Pause these alerts: (\S+)", text).group(1)
    paused = browse("confirm", pause)
    check(paused["get"]["status"] == 200 and "stop sending alert mails" in paused["get"]["text"]
          and paused["status"] == 200 and "Done" in paused["text"], "pause alerts: %s" % paused)
    # A change at the primary: its NOTIFY to zonesync, the POPs, the page.
    primary.change(zone, customer_zone(zone, 11))
    ok, _ = wait_for(lambda: pop_serials(web, zone) == {"pop1": 11, "pop2": 11}, 15.0, 0.2)
    check(ok, "after the change: POP serials %s" % pop_serials(web, zone))
    # Signing the zone up again is refused: only its RNAME changes it.
    st, _, body = Client(web.base).signup("shop.example")
    check(st == 409 and "already served" in body, "second signup: %s %s" % (st, body[:300]))
    # The used link no longer works.
    again = browse("confirm", link)
    check(again["status"] == 410 and "already used" in again["text"], "reused link: %s" % again)
    # Removal, behind the same proof.
    before = len(smtp.mails())
    asked = browse("press", web.base + "/zone/" + zone, "Remove the zone")
    check(asked["status"] == 200 and "Check your mail" in asked["title"], "remove: %s" % asked)
    ok, _ = wait_for(lambda: len(smtp.mails()) == before + 1, 10.0, 0.1)
    check(ok, "no removal mail")
    mail = smtp.mails()[-1]
    check(mail["Subject"].startswith("Confirm: remove shop.example."), "subject: %s" % mail["Subject"])
    check(all(soa_serial(p.port, zone, 0.3) == 11 for p in pops), "nothing removed before the button")
    gone = browse("confirm", link_in(mail))
    check(gone["status"] == 200, "after removal: %s" % gone)
    for p in pops:
        ok, _ = wait_for(lambda: rcode_of(p.port, zone) == "REFUSED", 15.0, 0.05)
        check(ok, "%s still answers for %s" % (p.name, zone))
    st, _ = zs.api("GET", "/v1/zones/" + zone)
    check(st == 404, "zonesync still has the zone (%s)" % st)
    return "form -> mail -> button -> both POPs serve the zone in %.2f s; change seen on the page; " \
           "removed by mail" % served


def case_refusals(ctx):
    _primary, zs, _pops, web, smtp = setup(ctx)
    c = Client(web.base)
    # Public suffixes, in the browser and by plain HTTP.
    page = browse("signup", web.base, "co.uk", PRIMARY)
    check(page["status"] == 400 and "public suffix" in page["text"], "co.uk: %s" % page["text"][:400])
    st, _, body = c.signup("example")
    check(st == 400 and "public suffix" in body, "example: %s %s" % (st, body[:300]))
    st, _, body = c.signup("nowhere.example")
    check(st == 422 and "does not exist in public DNS" in body, "nowhere.example: %s %s" % (st, body[:400]))
    # The primary refuses the transfer: the reason, and no mail.
    page = browse("signup", web.base, "closed.example", PRIMARY)
    check(page["status"] == 422 and "refused" in page["text"] and "No mail was sent" in page["text"],
          "closed.example: %s" % page["text"][:600])
    check("allow-transfer" in page["text"], "no settings for the primary: %s" % page["text"][:800])
    # No CSRF cookie: refused before anything else.
    st, _, body = Client(web.base).post("/signup", {"domain": "second.example", "primaries": PRIMARY},
                                        csrf=False)
    check(st == 403, "POST without CSRF: %s" % st)
    check(smtp.mails() == [], "mails sent for refused forms: %d" % len(smtp.mails()))
    # A link past its lifetime.
    web.reload(token_ttl=2)
    st, _, body = c.signup("second.example")
    check(st == 200, "second.example: %s %s" % (st, body[:400]))
    mails, _ = wait_for(smtp.mails, 10.0, 0.1)
    link = link_in(mails[-1])
    time.sleep(3)
    st, _, body = http_get(link)
    check(st == 410 and "expired" in body, "expired link, GET: %s %s" % (st, body[:300]))
    token = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["t"][0]
    st, _, body = c.post("/confirm", {"t": token})
    check(st == 410 and "expired" in body, "expired link, POST: %s %s" % (st, body[:300]))
    check(zs.api("GET", "/v1/zones/second.example.")[0] == 404, "an expired link added the zone")
    web.reload()
    # Three mails an hour for one zone, then 429.
    sent = len(smtp.mails())
    for i in range(3):
        st, _, body = c.signup("burst.example")
        check(st == 200, "burst %d: %s %s" % (i, st, body[:300]))
    st, headers, body = c.signup("burst.example")
    check(st == 429 and headers.get("Retry-After") == "3600" and "try again" in body.lower(),
          "fourth mail for one zone: %s %s" % (st, body[:300]))
    ok, _ = wait_for(lambda: len(smtp.mails()) == sent + 3, 5.0, 0.1)
    check(ok and len(smtp.mails()) == sent + 3, "mails: %d, expected %d" % (len(smtp.mails()), sent + 3))
    # An operator's zones, one mailbox, from one address: fifteen in a few
    # seconds are not blocked; the sixteenth mail to that mailbox in the hour is.
    t0 = time.time()
    for z in FLEET[:15]:
        st, _, body = c.signup(z)
        check(st == 200, "%s: %s %s" % (z, st, body[:300]))
    fleet_time = time.time() - t0
    st, _, body = c.signup(FLEET[15])
    check(st == 429 and "hostmaster@ops.example" in body, "16th mail to one mailbox: %s %s" % (st, body[:300]))
    to_ops = [m for m in smtp.mails() if m["To"] == "hostmaster@ops.example"]
    check(len(to_ops) == 15, "mails to the operator: %d" % len(to_ops))
    st, _, body = http_get(web.base + "/metrics")
    check(re.search(r"signup_rate_limited_total \d", body), "metrics: %s" % body[:300])
    return "public suffix, unknown zone, refusing primary (no mail), CSRF, expired link, 429 after 3 " \
           "mails for a zone, 429 after 15 to a mailbox; an operator's 15 zones from one address in %.2f s" % fleet_time


CASES = [("flow", "flow", case_flow), ("refusals", "refusals", case_refusals)]

if __name__ == "__main__":
    if os.geteuid() != 0:
        log("signup_test: SKIP: needs root (public DNS on port 53 of 127.0.53.x)")
        sys.exit(77)
    sys.exit(run_cases("signup", CASES, __doc__,
                       options=[("--zonesync", "path of the zonesync binary"),
                                ("--signup-web", "path of the signup-web binary")]))
