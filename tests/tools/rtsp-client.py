#!/usr/bin/env python3
"""rtsp-client.py: a small RTSP/RTP-over-TCP reader for tests and benchmarks.

  rtsp-client.py latency URL SECONDS   read for SECONDS; print JSON with the
        per-frame end-to-end latency: arrival (wall clock) minus the capture
        time the stream's RTCP sender reports map the frame's RTP timestamp
        to. Through camveil this is camera capture -> reader arrival; run on
        the camera directly it is the camera's own share.
  rtsp-client.py stall URL SECONDS     set up and PLAY, then never read from
        the socket for SECONDS (a reader that stopped reading)
  rtsp-client.py raw HOST:PORT FILE    send FILE's bytes, print what comes back
        until the server closes (hostile-request tests)

URL may carry user:password@ (Digest or Basic). Python stdlib only.
"""
import base64, hashlib, json, os, re, socket, struct, sys, time
from urllib.parse import urlsplit


def die(msg):
    print("rtsp-client: " + msg, file=sys.stderr)
    sys.exit(1)


class Client:
    def __init__(self, url):
        u = urlsplit(url)
        self.user, self.password = u.username, u.password
        self.url = "rtsp://%s:%d%s" % (u.hostname, u.port or 554, u.path)
        self.sock = socket.create_connection((u.hostname, u.port or 554), timeout=10)
        self.buf = b""
        self.cseq = 0
        self.session = None
        self.auth = None

    def _read_response(self):
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                die("connection closed during a request")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        n = int(hdrs.get("content-length", ["0"])[0])
        while len(self.buf) < n:
            self.buf += self.sock.recv(65536)
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, hdrs, body.decode("latin-1")

    def _authz(self, method, uri):
        if self.auth is None:
            return ""
        kind, params = self.auth
        if kind == "basic":
            tok = base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode()
            return "Authorization: Basic %s\r\n" % tok
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
        ha1 = md5("%s:%s:%s" % (self.user, params["realm"], self.password))
        ha2 = md5("%s:%s" % (method, uri))
        resp = md5("%s:%s:%s" % (ha1, params["nonce"], ha2))
        return ('Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
                'response="%s"\r\n' % (self.user, params["realm"], params["nonce"], uri, resp))

    def request(self, method, uri, extra=""):
        for _ in range(2):
            self.cseq += 1
            msg = "%s %s RTSP/1.0\r\nCSeq: %d\r\nUser-Agent: camveil-test\r\n%s%s%s\r\n" % (
                method, uri, self.cseq, self._authz(method, uri),
                "Session: %s\r\n" % self.session if self.session else "", extra)
            self.sock.sendall(msg.encode())
            status, hdrs, body = self._read_response()
            if status == 401 and self.user is not None:
                for h in hdrs.get("www-authenticate", []):
                    if h.lower().startswith("digest"):
                        self.auth = ("digest", dict(re.findall(r'(\w+)="([^"]*)"', h)))
                        break
                else:
                    self.auth = ("basic", {})
                continue
            return status, hdrs, body
        return status, hdrs, body

    def play(self):
        st, hdrs, sdp = self.request("DESCRIBE", self.url, "Accept: application/sdp\r\n")
        if st != 200:
            die("DESCRIBE %s: %d" % (self.url, st))
        base = hdrs.get("content-base", [self.url + "/"])[0]
        ctrl = None
        in_video = False
        for l in sdp.split("\r\n"):
            if l.startswith("m="):
                in_video = l.startswith("m=video")
            if in_video and l.startswith("a=control:"):
                ctrl = l[10:]
        track = ctrl if ctrl and ctrl.startswith("rtsp://") else (
            base.rstrip("/") + "/" + ctrl if ctrl and ctrl != "*" else base)
        st, hdrs, _ = self.request("SETUP", track,
                                   "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")
        if st != 200:
            die("SETUP %s: %d" % (track, st))
        self.session = hdrs["session"][0].split(";")[0]
        st, _, _ = self.request("PLAY", base, "Range: npt=0.000-\r\n")
        if st != 200:
            die("PLAY: %d" % st)

    def frames(self, seconds):
        """Yield ('rtp', seq, ts, marker, t) and ('sr', ntp_s, rtp_ts) until seconds pass."""
        end = time.time() + seconds
        self.sock.settimeout(1)
        while time.time() < end:
            while len(self.buf) >= 4 and self.buf[0] == 0x24:
                ch, n = self.buf[1], struct.unpack(">H", self.buf[2:4])[0]
                if len(self.buf) < 4 + n:
                    break
                pkt, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                now = time.time()
                if ch == 0 and n >= 12:
                    seq, ts = struct.unpack(">HI", pkt[2:8])
                    yield ("rtp", seq, ts, pkt[1] >> 7, now)
                elif ch == 1 and n >= 20 and pkt[1] == 200:
                    sec, frac, rtp = struct.unpack(">III", pkt[8:20])
                    yield ("sr", sec - 2208988800 + frac / 2**32, rtp)
            if self.buf and self.buf[0] != 0x24:
                # an RTSP message from the server (e.g. keep-alive reply): skip it
                i = self.buf.find(b"\r\n\r\n")
                if i < 0:
                    pass
                else:
                    self.buf = self.buf[i + 4:]
                    continue
            try:
                d = self.sock.recv(262144)
            except socket.timeout:
                continue
            if not d:
                return
            self.buf += d


def latency(url, seconds):
    c = Client(url)
    c.play()
    sr = None
    pending, lat = [], []
    frames = 0
    t0 = time.time()
    for ev in c.frames(seconds):
        if ev[0] == "sr":
            sr = (ev[1], ev[2])
            continue
        _, seq, ts, marker, t = ev
        if not marker:
            continue
        frames += 1
        pending.append((ts, t))
        if sr is None:
            continue
        for ts_, t_ in pending:
            d = ((ts_ - sr[1] + 2**31) % 2**32) - 2**31
            # The first seconds bring the cached group of pictures, old by
            # design (a fast start): only live frames are measured.
            if t_ - t0 > 3:
                lat.append(t_ - (sr[0] + d / 90000.0))
        pending = []
    live = sorted(lat)
    q = lambda p: round(live[min(len(live) - 1, int(p * len(live)))] * 1000, 1) if live else None
    print(json.dumps({"frames": frames, "measured": len(live), "p50_ms": q(0.5),
                      "p90_ms": q(0.9), "p99_ms": q(0.99), "max_ms": q(1.0)}))


def stall(url, seconds):
    c = Client(url)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.play()
    print("stalling", flush=True)
    time.sleep(seconds)
    try:
        c.sock.setblocking(False)
        alive = c.sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        alive = True
    except OSError:
        alive = False
    print("connection %s" % ("open" if alive else "closed"))


def raw(hostport, path):
    host, port = hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    with open(path, "rb") as f:
        try:
            s.sendall(f.read())
        except OSError:
            pass
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, OSError):
        out += b"\n(timeout: connection still open)"
    sys.stdout.write(out.decode("latin-1"))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mode, a, b = sys.argv[1:]
    if mode == "latency":
        latency(a, float(b))
    elif mode == "stall":
        stall(a, float(b))
    elif mode == "raw":
        raw(a, b)
    else:
        sys.exit(2)
