#!/usr/bin/python3
"""A deliberately misbehaving primary for dnsd's secondary tests.

Run with /usr/bin/python3 (needs dnspython).  It listens on 127.0.0.1:PORT
over UDP and TCP, is authoritative for one zone, answers SOA queries with the
serial of the current mode and answers AXFR and IXFR according to the mode:

  good       a correct zone (IXFR is answered AXFR-style, with the full zone)
  outofzone  the transfer holds records of another zone
  twosoa     the closing SOA differs from the opening one
  endless    records forever, in small messages, never the closing SOA
  stall      the first message, then silence (connection kept open)
  garbage    random bytes behind a valid two-byte length prefix
  nosoa      the transfer does not start with the zone's SOA
  toolarge   a well-formed transfer with --big-records records

For IXFR, outofzone and twosoa answer in incremental form (a difference that
adds a record of another zone, differences that do not follow on); the other
modes answer IXFR like AXFR.

The mode and serial can be changed while it runs: with --control FILE, the
file (JSON: {"mode": "...", "serial": N}) is re-read for every query, so a
test can let a secondary copy the good zone first and then turn hostile.

Every query is logged on stderr as one line: "query QTYPE NAME mode=M serial=S".
"""

import argparse
import json
import os
import random
import socket
import socketserver
import struct
import sys
import threading
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

MODES = ("good", "outofzone", "twosoa", "endless", "stall", "garbage", "nosoa", "toolarge")

ARGS = None
STOP = threading.Event()
LOG_LOCK = threading.Lock()


def log(msg):
    with LOG_LOCK:
        sys.stderr.write("%.3f %s\n" % (time.time(), msg))
        sys.stderr.flush()


def current():
    """(mode, serial) now: the control file wins over the command line."""
    mode, serial = ARGS.mode, ARGS.serial
    if ARGS.control:
        try:
            with open(ARGS.control) as f:
                c = json.load(f)
            mode = c.get("mode", mode)
            serial = int(c.get("serial", serial))
        except (OSError, ValueError):
            pass
    return mode, serial


def current_expire():
    """The EDNS EXPIRE value to answer with (control file key "expire"), or None."""
    if ARGS.control:
        try:
            with open(ARGS.control) as f:
                v = json.load(f).get("expire")
            return None if v is None else int(v)
        except (OSError, ValueError):
            pass
    return None


def add_expire(query, r):
    """RFC 7314: answer the EXPIRE option when asked and configured."""
    v = current_expire()
    if v is None or query.edns < 0 or not any(o.otype == 9 for o in query.options):
        return
    r.use_edns(0, 0, 1232, options=[dns.edns.GenericOption(9, struct.pack("!I", v))])


def origin():
    return dns.name.from_text(ARGS.zone)


def soa(serial, owner=None):
    o = owner or origin()
    return dns.rrset.from_text(o, 3600, "IN", "SOA",
                               "ns1.%s hostmaster.%s %d 3600 3600 1209600 300"
                               % (origin(), origin(), serial))


def rr(name, rtype, *rdatas, ttl=3600):
    rds = [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), t,
                               origin=origin(), relativize=False) for t in rdatas]
    return dns.rrset.from_rdata_list(dns.name.from_text(name, origin()), ttl, rds)


def zone_body(serial):
    """The good zone's records without the SOA.  www's address carries the serial
    so that a test sees which version a secondary serves."""
    return [
        rr("@", "NS", "ns1"),
        rr("ns1", "A", "192.0.2.53"),
        rr("www", "A", "192.0.2.%d" % (serial % 200 + 1)),
        rr("www", "TXT", '"serial %d"' % serial),
        rr("mail", "MX", "10 www"),
    ]


def hostile_body(serial):
    """What a hostile transfer carries: different data, so that a secondary
    that wrongly installs it is caught."""
    return [
        rr("@", "NS", "ns1"),
        rr("ns1", "A", "192.0.2.53"),
        rr("www", "A", "198.51.100.66"),
        rr("www", "TXT", '"hostile %d"' % serial),
    ]


# --------------------------------------------------------------------------
# messages

def response_to(query):
    r = dns.message.make_response(query)
    r.flags |= dns.flags.AA
    return r


def wire_of(query, rrsets):
    r = response_to(query)
    for s in rrsets:
        r.answer.append(s)
    return r.to_wire(max_size=65535)


def chunks(rrsets, per_message):
    for i in range(0, len(rrsets), per_message):
        yield rrsets[i:i + per_message]


def client_serial(query):
    for s in query.authority:
        if s.rdtype == dns.rdatatype.SOA and len(s):
            return s[0].serial
    return None


# --------------------------------------------------------------------------
# transfers: each returns when done; `send(bytes)` writes one framed message

def xfr_good(query, serial, send):
    for part in chunks([soa(serial)] + zone_body(serial) + [soa(serial)], 3):
        send(wire_of(query, part))


def xfr_outofzone(query, serial, send, ixfr):
    other = dns.rrset.from_text("www.victim.example.", 3600, "IN", "A", "203.0.113.66")
    if ixfr and client_serial(query) is not None:
        old = client_serial(query)
        msgs = [soa(serial), soa(old), soa(serial), other, soa(serial)]
    else:
        msgs = [soa(serial)] + hostile_body(serial) + [other, soa(serial)]
    send(wire_of(query, msgs))


def xfr_twosoa(query, serial, send, ixfr):
    if ixfr and client_serial(query) is not None:
        old = client_serial(query)
        msgs = [soa(serial), soa(old), soa(serial), rr("extra", "A", "198.51.100.1"),
                soa(serial + 7)]
    else:
        msgs = [soa(serial)] + hostile_body(serial) + [soa(serial + 1)]
    send(wire_of(query, msgs))


def xfr_endless(query, serial, send, conn_alive):
    send(wire_of(query, [soa(serial)] + hostile_body(serial)))
    i = 0
    deadline = time.time() + ARGS.max_seconds
    while not STOP.is_set() and time.time() < deadline and conn_alive():
        batch = []
        for _ in range(ARGS.endless_batch):
            batch.append(rr("r%d" % i, "A", "198.51.100.%d" % (i % 250 + 1)))
            i += 1
        send(wire_of(query, batch))
        time.sleep(ARGS.endless_interval)


def xfr_stall(query, serial, send, conn_alive):
    send(wire_of(query, [soa(serial)] + hostile_body(serial)[:2]))
    deadline = time.time() + ARGS.max_seconds
    while not STOP.is_set() and time.time() < deadline and conn_alive():
        time.sleep(0.1)


def xfr_garbage(query, serial, send):
    rnd = random.Random(serial)
    for _ in range(3):
        n = rnd.randint(12, 400)
        send(bytes(rnd.getrandbits(8) for _ in range(n)))


def xfr_nosoa(query, serial, send):
    msgs = hostile_body(serial) + [soa(serial)]
    send(wire_of(query, msgs))


def xfr_toolarge(query, serial, send):
    recs = [soa(serial)] + hostile_body(serial)
    for i in range(ARGS.big_records):
        recs.append(rr("big%d" % i, "A", "198.51.100.%d" % (i % 250 + 1)))
    recs.append(soa(serial))
    for part in chunks(recs, 200):
        send(wire_of(query, part))


# --------------------------------------------------------------------------
# servers

def answer_simple(query):
    """Answers to everything but AXFR/IXFR: SOA at the apex, NOERROR/NODATA
    for other names in the zone, REFUSED outside it."""
    mode, serial = current()
    r = response_to(query)
    if query.opcode() != dns.opcode.QUERY:
        r.set_rcode(dns.rcode.NOTIMP if query.opcode() != dns.opcode.NOTIFY else dns.rcode.NOERROR)
        return r
    if not query.question:
        r.set_rcode(dns.rcode.FORMERR)
        return r
    q = query.question[0]
    if not q.name.is_subdomain(origin()):
        r.flags &= ~dns.flags.AA
        r.set_rcode(dns.rcode.REFUSED)
        return r
    if q.name == origin() and q.rdtype in (dns.rdatatype.SOA, dns.rdatatype.ANY):
        r.answer.append(soa(serial))
        add_expire(query, r)
    else:
        r.authority.append(soa(serial))
    return r


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        try:
            query = dns.message.from_wire(data)
        except Exception as e:  # noqa: BLE001 - anything unparsable is dropped
            log("udp: unparsable query: %s" % e)
            return
        mode, serial = current()
        q = query.question[0] if query.question else None
        log("query udp %s %s mode=%s serial=%d" % (
            dns.rdatatype.to_text(q.rdtype) if q is not None else "-", q.name if q is not None else "-", mode, serial))
        sock.sendto(answer_simple(query).to_wire(), self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.request.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def handle(self):
        self.request.settimeout(ARGS.max_seconds)
        closed = threading.Event()

        def send(wire):
            self.request.sendall(struct.pack("!H", len(wire)) + wire)

        def conn_alive():
            # The peer closed when a non-blocking peek returns b"" (EOF) or fails.
            if closed.is_set():
                return False
            try:
                self.request.setblocking(False)
                try:
                    data = self.request.recv(1, socket.MSG_PEEK)
                    if data == b"":
                        closed.set()
                except BlockingIOError:
                    pass
                finally:
                    self.request.setblocking(True)
                    self.request.settimeout(ARGS.max_seconds)
            except OSError:
                closed.set()
            return not closed.is_set()

        try:
            while not STOP.is_set():
                head = self.recv_exact(2)
                if head is None:
                    return
                data = self.recv_exact(struct.unpack("!H", head)[0])
                if data is None:
                    return
                try:
                    query = dns.message.from_wire(data)
                except Exception as e:  # noqa: BLE001
                    log("tcp: unparsable query: %s" % e)
                    return
                mode, serial = current()
                q = query.question[0] if query.question else None
                qt = q.rdtype if q is not None else None
                log("query tcp %s %s mode=%s serial=%d client-serial=%s" % (
                    dns.rdatatype.to_text(qt) if q is not None else "-", q.name if q is not None else "-", mode, serial,
                    client_serial(query)))
                if qt not in (dns.rdatatype.AXFR, dns.rdatatype.IXFR) or q.name != origin():
                    send(answer_simple(query).to_wire())
                    continue
                ixfr = qt == dns.rdatatype.IXFR
                if mode == "good":
                    xfr_good(query, serial, send)
                elif mode == "outofzone":
                    xfr_outofzone(query, serial, send, ixfr)
                elif mode == "twosoa":
                    xfr_twosoa(query, serial, send, ixfr)
                elif mode == "endless":
                    xfr_endless(query, serial, send, conn_alive)
                elif mode == "stall":
                    xfr_stall(query, serial, send, conn_alive)
                elif mode == "garbage":
                    xfr_garbage(query, serial, send)
                elif mode == "nosoa":
                    xfr_nosoa(query, serial, send)
                elif mode == "toolarge":
                    xfr_toolarge(query, serial, send)
                log("transfer %s done (mode %s)" % (dns.rdatatype.to_text(qt), mode))
        except (OSError, socket.timeout) as e:
            log("tcp: connection ended: %s" % e)


class ThreadedUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True
    allow_reuse_address = True


class ThreadedTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--mode", default="good", choices=MODES)
    ap.add_argument("--serial", type=int, default=1)
    ap.add_argument("--control", help="JSON file with mode and serial, re-read per query")
    ap.add_argument("--big-records", type=int, default=1500, help="records sent in mode toolarge")
    ap.add_argument("--endless-batch", type=int, default=100, help="records per message in mode endless")
    ap.add_argument("--endless-interval", type=float, default=0.2,
                    help="seconds between messages in mode endless")
    ap.add_argument("--max-seconds", type=float, default=60.0,
                    help="longest time one connection is kept (endless, stall)")
    ARGS = ap.parse_args()
    if not ARGS.zone.endswith("."):
        ARGS.zone += "."

    udp = ThreadedUDP(("127.0.0.1", ARGS.port), UDPHandler)
    tcp = ThreadedTCP(("127.0.0.1", ARGS.port), TCPHandler)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
               for s in (udp, tcp)]
    for t in threads:
        t.start()
    log("hostile primary for %s on 127.0.0.1:%d, mode %s, serial %d (pid %d)"
        % (ARGS.zone, ARGS.port, ARGS.mode, ARGS.serial, os.getpid()))

    import signal
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(0.2):
        pass
    STOP.set()
    udp.shutdown()
    tcp.shutdown()
    udp.server_close()
    tcp.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
