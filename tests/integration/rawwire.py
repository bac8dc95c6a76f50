"""Raw DNS wire parsing for tests: records as exact bytes (stdlib only).

parse_message(wire) returns a Message whose answer/authority/additional are
lists of Record(owner, rtype, rclass, ttl, rdata):

  owner   the owner name as presentation text, lowercased (ASCII A-Z only),
          absolute (trailing dot), with RFC 1035 escapes (\\. \\\\ \\DDD ...);
  rtype, rclass, ttl   integers (for OPT: rclass is the payload size and ttl
          the extended rcode/flags word, as on the wire);
  rdata   bytes.  For the types whose rdata names may be compressed (see
          NAME_FIELDS) the names are decompressed to uncompressed wire form,
          case preserved; every other rdata is the raw bytes as sent.

Message.rdata_pointers lists (section, index, rtype) of records whose rdata
contained a compression pointer where RFC 3597 section 4 does not allow one
(types other than the RFC 1035 well-known ones): the decompressed bytes hide
it, this list does not.

axfr(host, port, zone, timeout) does a plain AXFR over TCP (several messages,
ends at the second SOA) and returns the records, the closing SOA excluded.
query(host, port, name, rtype, tcp=True) sends one query and returns the
parsed Message.
"""

import os
import socket
import struct
import time

__all__ = ["FormError", "Record", "Message", "parse_message", "make_query",
           "query", "axfr", "name_to_text", "text_to_name", "type_to_text",
           "text_to_type", "class_to_text", "text_to_class", "lower_wire",
           "NAME_FIELDS"]


class FormError(Exception):
    """The message is malformed."""


# --------------------------------------------------------------------------
# type and class mnemonics (IANA registry, the ones the tests may meet)

TYPES = {
    1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG",
    9: "MR", 10: "NULL", 11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO",
    15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB", 19: "X25", 20: "ISDN",
    21: "RT", 22: "NSAP", 23: "NSAP-PTR", 24: "SIG", 25: "KEY", 26: "PX",
    27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 31: "EID", 32: "NIMLOC",
    33: "SRV", 34: "ATMA", 35: "NAPTR", 36: "KX", 37: "CERT", 38: "A6",
    39: "DNAME", 40: "SINK", 41: "OPT", 42: "APL", 43: "DS", 44: "SSHFP",
    45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 49: "DHCID",
    50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 53: "SMIMEA", 55: "HIP",
    56: "NINFO", 57: "RKEY", 58: "TALINK", 59: "CDS", 60: "CDNSKEY",
    61: "OPENPGPKEY", 62: "CSYNC", 63: "ZONEMD", 64: "SVCB", 65: "HTTPS",
    99: "SPF", 104: "NID", 105: "L32", 106: "L64", 107: "LP", 108: "EUI48",
    109: "EUI64", 249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR",
    253: "MAILB", 254: "MAILA", 255: "ANY", 256: "URI", 257: "CAA",
    258: "AVC", 259: "DOA", 260: "AMTRELAY", 261: "RESINFO", 32768: "TA",
    32769: "DLV",
}
TYPE_NUMBERS = {v: k for k, v in TYPES.items()}
TYPE_NUMBERS["*"] = 255

CLASSES = {1: "IN", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
CLASS_NUMBERS = {v: k for k, v in CLASSES.items()}

T_SOA, T_OPT, T_NSEC3, T_AXFR = 6, 41, 50, 252

# Which rdata fields are names that a sender may have compressed, per type:
# a list of ("name" | fixed byte count | "str" (one <character-string>)).
# The decompressed form replaces each name; the rest is copied.  RFC 1035
# types plus, to be safe, those that some servers compress anyway.
NAME_FIELDS = {
    2: ["name"],                      # NS
    3: ["name"],                      # MD
    4: ["name"],                      # MF
    5: ["name"],                      # CNAME
    6: ["name", "name"],              # SOA (the 20 fixed bytes follow)
    7: ["name"],                      # MB
    8: ["name"],                      # MG
    9: ["name"],                      # MR
    12: ["name"],                     # PTR
    14: ["name", "name"],             # MINFO
    15: [2, "name"],                  # MX
    17: ["name", "name"],             # RP
    18: [2, "name"],                  # AFSDB
    21: [2, "name"],                  # RT
    26: [2, "name", "name"],          # PX
    33: [6, "name"],                  # SRV
    35: [4, "str", "str", "str", "name"],  # NAPTR
    36: [2, "name"],                  # KX
    47: ["name"],                     # NSEC (the type bitmap follows)
}
# RFC 3597 section 4: compression allowed only in these (RFC 1035) types.
COMPRESSIBLE = {2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15}


def type_to_text(t):
    return TYPES.get(t, "TYPE%d" % t)


def text_to_type(s):
    if isinstance(s, int):
        return s
    u = s.upper()
    if u in TYPE_NUMBERS:
        return TYPE_NUMBERS[u]
    if u.startswith("TYPE") and u[4:].isdigit():
        return int(u[4:])
    raise ValueError("unknown type %r" % s)


def class_to_text(c):
    return CLASSES.get(c, "CLASS%d" % c)


def text_to_class(s):
    if isinstance(s, int):
        return s
    u = s.upper()
    if u in CLASS_NUMBERS:
        return CLASS_NUMBERS[u]
    if u.startswith("CLASS") and u[5:].isdigit():
        return int(u[5:])
    raise ValueError("unknown class %r" % s)


# --------------------------------------------------------------------------
# names

_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))


def lower_wire(wire):
    """ASCII-lowercase a name in wire form (length bytes are < 64, untouched)."""
    return wire.translate(_LOWER)


def name_to_text(wire, lower=False):
    """Presentation text of an uncompressed wire name (absolute, dot-ended)."""
    if lower:
        wire = lower_wire(wire)
    labels, i = [], 0
    while True:
        if i >= len(wire):
            raise FormError("name without root label")
        n = wire[i]
        if n == 0:
            break
        if n > 63:
            raise FormError("bad label length %d" % n)
        lab = wire[i + 1:i + 1 + n]
        out = []
        for b in lab:
            if b in b'.\\"();@$':
                out.append("\\" + chr(b))
            elif 0x21 <= b <= 0x7e:
                out.append(chr(b))
            else:
                out.append("\\%03d" % b)
        labels.append("".join(out))
        i += 1 + n
    return ".".join(labels) + "." if labels else "."


def text_to_name(text, origin=None):
    """Wire form of a presentation name (escapes \\X and \\DDD understood).
    A relative name gets origin (text) appended; without origin it is taken
    as absolute."""
    if text == "@":
        if origin is None:
            raise ValueError("@ without origin")
        return text_to_name(origin)
    labels, cur, i, absolute = [], bytearray(), 0, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            digits = text[i + 1:i + 4]
            if len(digits) == 3 and digits.isdigit():
                if int(digits) > 255:
                    raise ValueError("bad escape \\%s in %r" % (digits, text))
                cur.append(int(digits))
                i += 4
                continue
            if i + 1 >= len(text):
                raise ValueError("trailing backslash in %r" % text)
            cur.extend(text[i + 1].encode("latin-1"))
            i += 2
            continue
        if c == ".":
            if not cur:
                if text == ".":
                    absolute = True
                    i += 1
                    continue
                raise ValueError("empty label in %r" % text)
            labels.append(bytes(cur))
            cur = bytearray()
            if i == len(text) - 1:
                absolute = True
            i += 1
            continue
        cur.extend(c.encode("latin-1"))
        i += 1
    if cur:
        labels.append(bytes(cur))
    out = bytearray()
    for lab in labels:
        if len(lab) > 63:
            raise ValueError("label too long in %r" % text)
        out.append(len(lab))
        out.extend(lab)
    if absolute or origin is None:
        out.append(0)
        wire = bytes(out)
    else:
        wire = bytes(out) + text_to_name(origin)
    if len(wire) > 255:
        raise ValueError("name too long: %r" % text)
    return wire


def read_name(msg, off, limit=None):
    """Read a possibly compressed name at msg[off:].  Returns (uncompressed
    wire, offset after the name in place, whether a pointer was followed).
    The in-place part must end before limit (the rdata end) when given;
    pointers must point backwards."""
    end = len(msg) if limit is None else limit
    out = bytearray()
    pos, after, used_ptr = off, None, False
    while True:
        if pos >= (end if after is None else len(msg)):
            raise FormError("name runs past its data at offset %d" % off)
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            if pos + 1 >= (end if after is None else len(msg)):
                raise FormError("truncated compression pointer")
            target = ((n & 0x3F) << 8) | msg[pos + 1]
            if target >= pos:
                raise FormError("forward or looping compression pointer")
            if after is None:
                after = pos + 2
            used_ptr = True
            pos = target
            continue
        if n & 0xC0:
            raise FormError("unsupported label type 0x%02x" % n)
        lim = end if after is None else len(msg)
        if pos + 1 + n > lim:
            raise FormError("label runs past its data")
        out.extend(msg[pos:pos + 1 + n])
        if len(out) > 255:
            raise FormError("name longer than 255 octets")
        pos += 1 + n
        if n == 0:
            break
    return bytes(out), (pos if after is None else after), used_ptr


def _decompress_rdata(msg, start, end, rtype):
    """Returns (rdata with names decompressed, whether a pointer was seen)."""
    fields = NAME_FIELDS.get(rtype)
    if fields is None or start == end:     # empty rdata (e.g. UPDATE deletions)
        return bytes(msg[start:end]), False
    out, pos, ptr = bytearray(), start, False
    for f in fields:
        if f == "name":
            wire, pos, p = read_name(msg, pos, end)
            ptr = ptr or p
            out.extend(wire)
        elif f == "str":
            if pos >= end or pos + 1 + msg[pos] > end:
                raise FormError("%s rdata: bad character-string" % type_to_text(rtype))
            n = msg[pos]
            out.extend(msg[pos:pos + 1 + n])
            pos += 1 + n
        else:
            if pos + f > end:
                raise FormError("%s rdata too short" % type_to_text(rtype))
            out.extend(msg[pos:pos + f])
            pos += f
    if rtype == T_SOA and end - pos != 20:
        raise FormError("SOA rdata: %d bytes after the names, not 20" % (end - pos))
    if rtype == 47 or rtype == T_SOA:
        out.extend(msg[pos:end])
    elif pos != end:
        raise FormError("%s rdata: %d trailing bytes" % (type_to_text(rtype), end - pos))
    return bytes(out), ptr


# --------------------------------------------------------------------------
# messages

class Record(tuple):
    """(owner, rtype, rclass, ttl, rdata); see the module doc."""
    __slots__ = ()
    _fields = ("owner", "rtype", "rclass", "ttl", "rdata")

    def __new__(cls, owner, rtype, rclass, ttl, rdata):
        return tuple.__new__(cls, (owner, rtype, rclass, ttl, rdata))

    owner = property(lambda self: self[0])
    rtype = property(lambda self: self[1])
    rclass = property(lambda self: self[2])
    ttl = property(lambda self: self[3])
    rdata = property(lambda self: self[4])

    def generic(self):
        """RFC 3597 text: OWNER TTL CLASSn TYPEn \\# LEN HEX."""
        return "%s %d %s %s \\# %d %s" % (
            self.owner, self.ttl, class_to_text(self.rclass), type_to_text(self.rtype),
            len(self.rdata), self.rdata.hex() if self.rdata else "")

    def __repr__(self):
        return "Record(%r, %s, %s, %d, %s)" % (self.owner, type_to_text(self.rtype),
                                               class_to_text(self.rclass), self.ttl,
                                               self.rdata.hex())


class Message:
    def __init__(self):
        self.id = 0
        self.flags = 0          # the 16-bit flags word, rcode included
        self.question = []      # (owner text lowercased, qtype, qclass)
        self.answer = []
        self.authority = []
        self.additional = []
        self.rdata_pointers = []
        self.owner_wires = {}   # (section, index) -> owner wire, case kept

    @property
    def rcode(self):
        """Full rcode (with OPT's extended bits when an OPT is present)."""
        rc = self.flags & 0xF
        for r in self.additional:
            if r.rtype == T_OPT:
                rc |= (r.ttl >> 24) << 4
        return rc

    @property
    def qr(self):
        return bool(self.flags & 0x8000)

    @property
    def aa(self):
        return bool(self.flags & 0x0400)

    @property
    def tc(self):
        return bool(self.flags & 0x0200)


def parse_message(wire):
    if len(wire) < 12:
        raise FormError("message shorter than its header")
    m = Message()
    m.id, m.flags, qd, an, ns, ar = struct.unpack("!HHHHHH", wire[:12])
    off = 12
    for _ in range(qd):
        name, off, _p = read_name(wire, off)
        if off + 4 > len(wire):
            raise FormError("truncated question")
        qt, qc = struct.unpack("!HH", wire[off:off + 4])
        off += 4
        m.question.append((name_to_text(name, lower=True), qt, qc))
    for sname, count in (("answer", an), ("authority", ns), ("additional", ar)):
        sect = getattr(m, sname)
        for i in range(count):
            name, off, _p = read_name(wire, off)
            if off + 10 > len(wire):
                raise FormError("truncated record header in %s" % sname)
            rt, rc, ttl, rdlen = struct.unpack("!HHIH", wire[off:off + 10])
            off += 10
            if off + rdlen > len(wire):
                raise FormError("rdata runs past the message in %s" % sname)
            rdata, ptr = _decompress_rdata(wire, off, off + rdlen, rt)
            if ptr and rt not in COMPRESSIBLE:
                m.rdata_pointers.append((sname, i, rt))
            off += rdlen
            m.owner_wires[(sname, i)] = name
            sect.append(Record(name_to_text(name, lower=True), rt, rc, ttl, rdata))
    if off != len(wire):
        raise FormError("%d bytes after the last record" % (len(wire) - off))
    return m


def make_query(name, rtype, rclass=1, qid=None, rd=False, edns=None, do=False):
    """Wire form of a query; edns is the UDP payload size (None: no OPT)."""
    if qid is None:
        qid = struct.unpack("!H", os.urandom(2))[0]
    flags = 0x0100 if rd else 0
    wire = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    qname = name if isinstance(name, bytes) else text_to_name(
        name if name.endswith(".") else name + ".")
    wire += qname + struct.pack("!HH", text_to_type(rtype), text_to_class(rclass))
    if edns:
        wire += b"\x00" + struct.pack("!HHIH", T_OPT, edns, 0x8000 if do else 0, 0)
    return wire


def _recv_exact(sock, n, deadline):
    buf = bytearray()
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out")
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(buf), n))
        buf.extend(chunk)
    return bytes(buf)


def _tcp_connect(host, port, timeout):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def query(host, port, name, rtype, tcp=True, timeout=3.0, rclass=1, edns=1232,
          do=False):
    """Send one query and return the parsed Message (raw bytes in .wire)."""
    wire = make_query(name, rtype, rclass, edns=edns, do=do)
    qid = wire[:2]
    deadline = time.monotonic() + timeout
    if tcp:
        s = _tcp_connect(host, port, timeout)
        try:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            n = struct.unpack("!H", _recv_exact(s, 2, deadline))[0]
            resp = _recv_exact(s, n, deadline)
        finally:
            s.close()
    else:
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.connect((host, port))
            s.send(wire)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("timed out")
                s.settimeout(left)
                resp = s.recv(65535)
                if resp[:2] == qid:
                    break
        finally:
            s.close()
    if resp[:2] != qid:
        raise FormError("response ID does not match the query")
    m = parse_message(resp)
    m.wire = resp
    return m


def axfr(host, port, zone, timeout=10.0):
    """AXFR zone over TCP; returns the records in order, the closing SOA left
    out.  Raises on a non-zero rcode, a first record that is not the SOA, a
    closed connection before the closing SOA, or after timeout seconds."""
    zone = zone if zone.endswith(".") else zone + "."
    zone_lower = name_to_text(text_to_name(zone), lower=True)
    wire = make_query(zone, T_AXFR, edns=None)
    qid = wire[:2]
    deadline = time.monotonic() + timeout
    s = _tcp_connect(host, port, timeout)
    records, soa_seen, nmsg = [], 0, 0
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        while soa_seen < 2:
            n = struct.unpack("!H", _recv_exact(s, 2, deadline))[0]
            resp = _recv_exact(s, n, deadline)
            nmsg += 1
            if resp[:2] != qid:
                raise FormError("AXFR message %d: ID does not match" % nmsg)
            m = parse_message(resp)
            if m.rcode != 0:
                raise FormError("AXFR of %s refused: rcode %d" % (zone, m.rcode))
            if not m.answer and nmsg == 1:
                raise FormError("AXFR of %s: empty first message" % zone)
            for r in m.answer:
                if soa_seen >= 2:
                    raise FormError("AXFR of %s: records after the closing SOA" % zone)
                if r.rtype == T_SOA and r.owner == zone_lower:
                    soa_seen += 1
                    if soa_seen == 2:
                        continue
                elif not records:
                    raise FormError("AXFR of %s does not start with its SOA" % zone)
                records.append(r)
    finally:
        s.close()
    return records
