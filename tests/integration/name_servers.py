"""Tiny name servers for the resolver tests, on sockets inside the test's namespace:
a unicast DNS server (A and AAAA records from a dict, NXDOMAIN for other names) and an mDNS
responder answering one-shot queries (RFC 6762 6.7: unicast reply, id and question echoed).
Each runs a daemon thread; `queries` lists (name, qtype) as they arrive."""
import ipaddress
import socket
import struct
import threading

MDNS_GROUP = "224.0.0.251"
MDNS_PORT = 5353
TYPE_A = 1
TYPE_AAAA = 28


def read_question(msg):
    """(id, flags, name, qtype, qclass, end offset) of a one-question message, or None."""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack_from(">HHH", msg, 0)
    if qdcount != 1:
        return None
    labels, off = [], 12
    while off < len(msg) and msg[off] != 0:
        n = msg[off]
        if n > 63 or off + 1 + n > len(msg):
            return None
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace").lower())
        off += 1 + n
    if off + 5 > len(msg):
        return None
    qtype, qclass = struct.unpack_from(">HH", msg, off + 1)
    return qid, flags, ".".join(labels), qtype, qclass, off + 5


def answer(msg, q, flags, ip, klass=1):
    """The response to query msg: its question echoed, then an A record for an IPv4 ip or an
    AAAA record for an IPv6 one (or none)."""
    qid, _, _, qtype, _, end = q
    question = msg[12:end - 4] + struct.pack(">HH", qtype, 1)
    records = b""
    if ip is not None:
        packed = ipaddress.ip_address(ip).packed
        rtype = TYPE_A if len(packed) == 4 else TYPE_AAAA
        records = struct.pack(">HHHIH", 0xC00C, rtype, klass, 60, len(packed)) + packed
    return struct.pack(">HHHHHH", qid, flags, 1, 1 if records else 0, 0, 0) + question + records


class _Responder:
    def __init__(self, sock):
        self.sock = sock
        self.queries = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                msg, peer = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            q = read_question(msg)
            if q and not q[1] & 0x8000:  # queries only
                self.queries.append((q[2], q[3]))
                reply = self.reply(msg, q)
                if reply:
                    self.sock.sendto(reply, peer)

    def close(self):
        self._stop = True
        self._thread.join()  # the port is free again once the thread has left recvfrom
        self.sock.close()


class DnsServer(_Responder):
    """UDP DNS on (ip, 53), IPv4 or IPv6: A and AAAA records from `names` (an address or a
    list of them, at most one of each family); NODATA for other types of those names,
    NXDOMAIN for every other name. silent: records queries, answers none (a dead server)."""

    def __init__(self, ip, names, silent=False):
        self.names = {k.lower(): [v] if isinstance(v, str) else list(v) for k, v in names.items()}
        self.silent = silent
        sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((ip, 53))
        super().__init__(sock)

    def reply(self, msg, q):
        name, qtype = q[2], q[3]
        if self.silent:
            return None
        if name not in self.names:
            return answer(msg, q, 0x8183, None)  # QR RD RA, NXDOMAIN
        want = {TYPE_A: 4, TYPE_AAAA: 6}.get(qtype)
        ip = next((a for a in self.names[name] if ipaddress.ip_address(a).version == want), None)
        return answer(msg, q, 0x8180, ip)


class MdnsResponder(_Responder):
    """Answers A queries for `names` sent to 224.0.0.251:5353 on the interface with address
    `ip`, by unicast to the asker (a one-shot querier's port is not 5353)."""

    def __init__(self, ip, names):
        self.names = {k.lower(): v for k, v in names.items()}
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("", MDNS_PORT))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                        socket.inet_aton(MDNS_GROUP) + socket.inet_aton(ip))
        super().__init__(sock)

    def reply(self, msg, q):
        name, qtype = q[2], q[3]
        if name not in self.names or qtype != TYPE_A:
            return None  # mDNS responders stay silent about what they do not have
        return answer(msg, q, 0x8400, self.names[name])  # QR AA
