#!/usr/bin/python3
# A test RTSP camera: GStreamer's RTSP server sending H.264 over RTP, live
# and paced in real time, from a video file looped forever or from a test
# pattern. The proxy's integration tests use it as the camera.
#
#   rtsp-camera.py [--port N] [--path /stream] (--file CLIP | --pattern [NAME])
#                  [--size WxH] [--fps N] [--gop N] [--bitrate KBPS]
#                  [--codec h264|h265|jpeg]
#                  [--user U --password P [--auth digest|basic|both]]
#                  [--transport tcp|udp|both] [--bind ADDR] [--die-with-parent]
#
# Prints one line "READY rtsp://127.0.0.1:PORT/path" on stdout once it
# serves (credentials are not part of it), then runs until SIGTERM, SIGINT
# or SIGHUP (exit 0) or, with --die-with-parent, until its parent dies.
# --port 0 (the default) picks a free port; a fixed port can be reused at
# once after a kill -9. Errors go to stderr, exit status 1 (2: bad usage).
#
# Design: a "capture" pipeline decodes the clip (any container or codec
# GStreamer reads, raw .264/.h265 too), scales it to --size and plays it
# into an intervideosink, paced in real time at the clip's frame rate by
# counting frames (raw streams carry no timestamps), looping with segment
# seeks (a flushing seek back to the start if a demuxer ends with EOS);
# every frame of the clip is shown once per pass (QoS is off: it made
# videoconvert drop the first frame of each pass). The RTSP media reads it
# with intervideosrc, a live source stamping frames at exactly --fps, and
# encodes with x264 (or x265, or JPEG with --codec; zerolatency,
# ultrafast, one slice per frame, a
# keyframe every --gop frames with SPS/PPS before it). So timestamps are
# regular and increase monotonically across loop boundaries whatever the
# clip, and a client joining at any time gets a keyframe within --gop
# frames. The media is shared: one encoder for any number of clients,
# like a camera; it is made when the first client comes and dropped when
# the last one leaves (timestamps start again from 0 then).
#
# Uses /usr/bin/python3 on purpose: python3-gi is a Debian package, a
# python3 earlier in PATH (pyenv, venv) lacks it.
import argparse
import ctypes
import os
import signal
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstPbutils", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstPbutils, GstRtsp, GstRtspServer  # noqa: E402

PROG = "rtsp-camera"
CHANNEL = "rtsp-camera-%d" % os.getpid()


def die(msg, code=1):
    print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)
    sys.exit(code)


verbose = False


def log(msg):
    if verbose:
        print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)


def parse_args():
    ap = argparse.ArgumentParser(
        prog="rtsp-camera.py",
        description="Test RTSP camera: H.264/RTP from a looped file or a test pattern.")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--file", help="video file to loop (any format GStreamer decodes)")
    src.add_argument("--pattern", nargs="?", const="smpte",
                     help="videotestsrc pattern instead of a file (default smpte, moving)")
    ap.add_argument("--port", type=int, default=0, help="TCP port, 0 = any free one (default)")
    ap.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--path", default="/stream", help="mount point (default /stream)")
    ap.add_argument("--size", help="WxH (default: the file's size; 640x360 for --pattern)")
    ap.add_argument("--fps", type=int, help="frame rate (default: the file's; 25 for --pattern)")
    ap.add_argument("--gop", type=int, help="frames between keyframes (default: fps, 1 s)")
    ap.add_argument("--bitrate", type=int, help="kbit/s (default: scaled with size and fps)")
    ap.add_argument("--codec", choices=("h264", "h265", "jpeg"), default="h264",
                    help="what the camera sends (default h264)")
    ap.add_argument("--user", help="require RTSP authentication with this user")
    ap.add_argument("--password", help="password for --user")
    ap.add_argument("--auth", choices=("digest", "basic", "both"), default="both",
                    help="authentication schemes offered with --user (default both)")
    ap.add_argument("--transport", choices=("tcp", "udp", "both"), default="both",
                    help="RTP lower transports allowed (default both)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log loops and clients")
    ap.add_argument("--die-with-parent", action="store_true",
                    help="exit (SIGTERM) when the parent process dies")
    a = ap.parse_args()
    if (a.user is None) != (a.password is None):
        ap.error("--user and --password go together")
    if not a.path.startswith("/"):
        a.path = "/" + a.path
    if a.size:
        try:
            w, h = (int(v) for v in a.size.lower().split("x"))
            assert w > 0 and h > 0 and w % 2 == 0 and h % 2 == 0
        except (ValueError, AssertionError):
            ap.error("--size must be WxH, even numbers, e.g. 640x360")
        a.size = (w, h)
    if a.fps is not None and not 1 <= a.fps <= 240:
        ap.error("--fps must be 1..240")
    if a.port < 0 or a.port > 65535:
        ap.error("--port must be 0..65535")
    return a


def probe_file(path):
    """(width, height, fps) of the first video stream of a file, fps may be None."""
    uri = Gst.filename_to_uri(os.path.abspath(path))
    try:
        info = GstPbutils.Discoverer.new(10 * Gst.SECOND).discover_uri(uri)
    except GLib.Error as e:
        die("cannot read %s: %s" % (path, e.message))
    vs = info.get_video_streams()
    if not vs:
        die("%s has no video stream" % path)
    v = vs[0]
    fps = None
    if v.get_framerate_denom() > 0 and v.get_framerate_num() > 0:
        fps = max(1, round(v.get_framerate_num() / v.get_framerate_denom()))
    return v.get_width(), v.get_height(), fps


class Capture:
    """Plays the clip in real time into intervideosink CHANNEL, looping."""

    def __init__(self, path, w, h, fps, loop):
        self.loop = loop
        self.first_frame = threading.Event()
        self.loops = 0
        self.period = 1.0 / fps
        self.next_t = None
        self.last_frame = time.monotonic()
        uri = Gst.filename_to_uri(os.path.abspath(path))
        self.pipe = Gst.parse_launch(
            'uridecodebin name=dec uri="%s" '
            "videoconvert name=conv ! videoscale "
            "! video/x-raw,format=I420,width=%d,height=%d,pixel-aspect-ratio=1/1 "
            "! intervideosink name=sink channel=%s sync=false qos=false" % (uri, w, h, CHANNEL))
        self.pipe.get_by_name("dec").connect("pad-added", self._on_pad)
        pad = self.pipe.get_by_name("sink").get_static_pad("sink")
        pad.add_probe(Gst.PadProbeType.BUFFER, self._pace)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self._on_message)
        self.prerolled = False

    def _on_pad(self, dec, pad):
        # The first video stream feeds the camera; audio and others go to
        # a fakesink (an unlinked pad would stop the pipeline).
        caps = pad.get_current_caps() or pad.query_caps(None)
        conv = self.pipe.get_by_name("conv").get_static_pad("sink")
        if caps.to_string().startswith("video/") and not conv.is_linked():
            pad.link(conv)
            return
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", True)
        self.pipe.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

    def _pace(self, pad, info):
        # Real-time pacing by frame count, not by timestamps: raw
        # elementary streams (.264, .h265) have none, and the output is
        # CFR anyway (intervideosrc samples the latest frame at --fps).
        now = time.monotonic()
        if self.next_t is None or now - self.next_t > 1.0:
            self.next_t = now  # first frame, or a stall: restart the schedule
        elif self.next_t > now:
            time.sleep(self.next_t - now)
        self.next_t += self.period
        self.last_frame = time.monotonic()
        self.first_frame.set()
        return Gst.PadProbeReturn.OK

    def start(self):
        if self.pipe.set_state(Gst.State.PAUSED) == Gst.StateChangeReturn.FAILURE:
            die("cannot start the capture pipeline")

    def _seek(self, flags):
        return self.pipe.seek(1.0, Gst.Format.TIME, flags, Gst.SeekType.SET, 0,
                              Gst.SeekType.NONE, -1)

    def _on_message(self, bus, msg):
        t = msg.type
        if t == Gst.MessageType.ASYNC_DONE and not self.prerolled:
            self.prerolled = True
            # Segment seek: no EOS at the end but SEGMENT_DONE, and running
            # time keeps going across the restart (a gapless loop).
            if not self._seek(Gst.SeekFlags.FLUSH | Gst.SeekFlags.SEGMENT):
                print("%s: segment seek refused, looping on EOS" % PROG, file=sys.stderr)
            self.pipe.set_state(Gst.State.PLAYING)
        elif t in (Gst.MessageType.SEGMENT_DONE, Gst.MessageType.EOS) and self._empty():
            self.fail("no frame decoded for 3 s while looping")
        elif t == Gst.MessageType.SEGMENT_DONE:
            self.loops += 1
            ok = self._seek(Gst.SeekFlags.SEGMENT)
            log("loop %d (segment seek%s)" % (self.loops, "" if ok else " refused"))
        elif t == Gst.MessageType.EOS:
            # A source that cannot do segment seeks: restart with a flush.
            # intervideosrc keeps the output regular meanwhile.
            self.loops += 1
            ok = self._seek(Gst.SeekFlags.FLUSH | Gst.SeekFlags.SEGMENT)
            log("loop %d (EOS, flushing seek%s)" % (self.loops, "" if ok else " refused"))
        elif t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.fail("capture error: %s (%s)" % (err.message, dbg))
        return True

    def _empty(self):
        # Passes that decode to nothing (a seek that fails silently) would
        # loop as fast as they can. Frames flow at the clip's rate even if
        # the decoder's queues hold whole passes of a tiny clip.
        return time.monotonic() - self.last_frame > 3.0

    def fail(self, msg):
        global exit_code
        print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)
        exit_code = 1
        self.loop.quit()

    def stop(self):
        self.pipe.set_state(Gst.State.NULL)


def set_auth_methods(auth, methods):
    # GstRTSPAuthMethod is a bit mask typed as an enum: PyGObject refuses
    # BASIC|DIGEST, so "both" goes through the C function.
    if methods in (GstRtsp.RTSPAuthMethod.BASIC, GstRtsp.RTSPAuthMethod.DIGEST):
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod(methods))
        return
    lib = ctypes.CDLL("libgstrtspserver-1.0.so.0")
    lib.gst_rtsp_auth_set_supported_methods.argtypes = (ctypes.c_void_p, ctypes.c_int)
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, (ctypes.py_object, ctypes.c_char_p)
    lib.gst_rtsp_auth_set_supported_methods(get(auth.__gpointer__, None), int(methods))


exit_code = 0


def main():
    global exit_code
    global verbose
    a = parse_args()
    verbose = a.verbose
    Gst.init(None)
    encoder = {"h264": ("x264enc", "rtph264pay"), "h265": ("x265enc", "rtph265pay"),
               "jpeg": ("jpegenc", "rtpjpegpay")}[a.codec]
    for el in encoder + ("intervideosrc", "intervideosink", "videotestsrc"):
        if Gst.ElementFactory.find(el) is None:
            die("GStreamer element %s missing (scripts/deps.sh test)" % el)

    if a.die_with_parent:
        # A test script killed hard (no trap run) leaves no camera behind.
        ppid = os.getppid()
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != ppid:
            die("parent already gone")

    loop = GLib.MainLoop()
    capture = None
    if a.file:
        if not os.path.isfile(a.file):
            die("no such file: %s" % a.file)
        fw, fh, ffps = probe_file(a.file)
        w, h = a.size or (fw - fw % 2, fh - fh % 2)
        fps = a.fps or ffps or 25
        capture = Capture(a.file, w, h, ffps or fps, loop)
        src = "intervideosrc channel=%s" % CHANNEL
    else:
        w, h = a.size or (640, 360)
        fps = a.fps or 25
        src = "videotestsrc is-live=true pattern=%s" % a.pattern
        if a.pattern in ("smpte", "smpte75", "smpte100", "bar", "colors"):
            src += " horizontal-speed=4"  # motion, so frames differ
    gop = a.gop or fps
    bitrate = a.bitrate or max(500, w * h * fps // 10000)
    # The queue is not leaky: an encoder slower than real time delays
    # frames (catching up later) but never leaves a gap in the timestamps.
    # sliced-threads=false: zerolatency's slices got rtph264pay to repeat
    # SPS/PPS before each IDR slice, and ffmpeg then split keyframes in two.
    enc = {
        "h264": "x264enc tune=zerolatency speed-preset=ultrafast sliced-threads=false "
                "key-int-max=%d bitrate=%d ! video/x-h264,profile=constrained-baseline "
                "! rtph264pay name=pay0 pt=96 config-interval=-1" % (gop, bitrate),
        "h265": "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=%d "
                "bitrate=%d ! video/x-h265,profile=main "
                "! rtph265pay name=pay0 pt=96 config-interval=-1" % (gop, bitrate),
        "jpeg": "jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26",
    }[a.codec]
    launch = (
        "( %s ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 "
        "! queue max-size-buffers=3 ! %s )" % (src, w, h, fps, enc))

    server = GstRtspServer.RTSPServer()
    server.set_address(a.bind)
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)
    factory.set_protocols({
        "tcp": GstRtsp.RTSPLowerTrans.TCP,
        "udp": GstRtsp.RTSPLowerTrans.UDP,
        "both": GstRtsp.RTSPLowerTrans.UDP | GstRtsp.RTSPLowerTrans.TCP,
    }[a.transport])

    if a.user is not None:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        methods = 0
        if a.auth in ("basic", "both"):
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(a.user, a.password), token)
            methods |= GstRtsp.RTSPAuthMethod.BASIC
        if a.auth in ("digest", "both"):
            auth.add_digest(a.user, a.password, token)
            methods |= GstRtsp.RTSPAuthMethod.DIGEST
        set_auth_methods(auth, methods)
        server.set_auth(auth)
        factory.add_role_from_structure(Gst.Structure.new_from_string(
            "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"))

    server.get_mount_points().add_factory(a.path, factory)
    if verbose:
        def on_client(server, client):
            conn = client.get_connection()
            log("client %s" % (conn.get_ip() if conn else "?"))
            client.connect("closed", lambda c: log("client closed"))
        server.connect("client-connected", on_client)

    if capture:
        capture.start()
        # Serve only once real frames flow (no black start), within reason.
        ctx = GLib.MainContext.default()
        deadline = GLib.get_monotonic_time() + 10 * 1000000
        while not capture.first_frame.is_set() and exit_code == 0:
            if GLib.get_monotonic_time() > deadline:
                die("no frame decoded from %s in 10 s" % a.file)
            ctx.iteration(False)
            capture.first_frame.wait(0.01)
        if exit_code:
            capture.stop()
            sys.exit(exit_code)

    try:
        if server.attach(None) == 0:
            raise GLib.Error("attach failed")
    except GLib.Error as e:
        die("cannot listen on %s:%d: %s" % (a.bind, a.port, e.message))
    # Cleanup of timed-out sessions (clients gone without TEARDOWN).
    GLib.timeout_add_seconds(2, lambda: server.get_session_pool().cleanup() >= 0)

    host = "127.0.0.1" if a.bind in ("0.0.0.0", "127.0.0.1") else a.bind
    if ":" in host:
        host = "[%s]" % host
    print("READY rtsp://%s:%d%s" % (host, server.get_bound_port(), a.path), flush=True)
    print("%s: %s %dx%d %d fps, gop %d, %d kbit/s, %s, transport %s%s" % (
        PROG, a.codec, w, h, fps, gop, bitrate, a.file or "pattern " + a.pattern, a.transport,
        ", auth %s as %s" % (a.auth, a.user) if a.user is not None else ""),
        file=sys.stderr, flush=True)

    def quit(*_):
        loop.quit()
        return GLib.SOURCE_REMOVE

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, quit)
    loop.run()
    if capture:
        capture.stop()
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
