#!/usr/bin/env python3
"""rtsp-describe.py: one DESCRIBE, timed, for tests of a server that makes
DESCRIBE wait while the camera is not streaming yet.

  rtsp-describe.py URL [--then ACTION --after SECONDS] [--timeout SECONDS]

Sends DESCRIBE URL (CSeq 1) on a new connection, prints "sent", then one
line per response, "STATUS CSEQ SECONDS" (seconds since the DESCRIBE was sent),
until every request has its answer, the server closes ("closed SECONDS")
or --timeout (default 15) passes ("timeout SECONDS", exit 1).

  --then teardown  SECONDS after the DESCRIBE, send TEARDOWN URL (CSeq 2)
                   on the same connection, without a session
  --then close     SECONDS after the DESCRIBE, close the connection and
                   exit 0 (a client that gave up)

No authentication (for open test configs). Python stdlib only.
"""
import argparse
import select
import socket
import sys
import time
from urllib.parse import urlsplit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--then", choices=["teardown", "close"])
    ap.add_argument("--after", type=float, default=1.0)
    ap.add_argument("--timeout", type=float, default=15.0)
    a = ap.parse_args()
    u = urlsplit(a.url)
    s = socket.create_connection((u.hostname, u.port or 554), timeout=5)
    t0 = time.monotonic()
    s.sendall(("DESCRIBE %s RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n"
               "User-Agent: rtsp-describe\r\n\r\n" % a.url).encode())
    print("sent", flush=True)
    want, buf, sent = 1, b"", False
    while True:
        now = time.monotonic() - t0
        if a.then and not sent and now >= a.after:
            sent = True
            if a.then == "close":
                s.close()
                print("gave up %.2f" % now, flush=True)
                return 0
            s.sendall(("TEARDOWN %s RTSP/1.0\r\nCSeq: 2\r\n\r\n" % a.url).encode())
            want += 1
        if now >= a.timeout:
            print("timeout %.2f" % now)
            return 1
        wait = a.timeout - now
        if a.then and not sent:
            wait = min(wait, a.after - now)
        r, _, _ = select.select([s], [], [], max(wait, 0))
        if not r:
            continue
        d = s.recv(65536)
        if not d:
            print("closed %.2f" % (time.monotonic() - t0))
            return 0
        buf += d
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            hdrs = {k.strip().lower(): v.strip() for k, _, v in
                    (l.partition(":") for l in lines[1:])}
            n = int(hdrs.get("content-length", "0"))
            if len(rest) < n:
                break
            buf = rest[n:]
            print("%s %s %.2f" % (lines[0].split()[1], hdrs.get("cseq", "?"),
                                  time.monotonic() - t0), flush=True)
            want -= 1
        if want == 0 and (not a.then or sent):
            return 0


if __name__ == "__main__":
    sys.exit(main())
