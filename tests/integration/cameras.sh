#!/bin/bash
# camveil's RTSP client (codecs/rtspc.c) against real cameras: GStreamer
# RTSP servers sending H.265, JPEG (handed to libavformat), TCP or UDP
# only, Basic and Digest authentication. One proxy reads them all; each
# camera either streams or shows an error that names the problem.
. "$(dirname "$0")/../lib.sh"
TOOLS="$TESTS_DIR/tools"
FACECHECK="$PWD/${BUILD:-build}/tests/tools/facecheck"
CLIP="$CLIPS/head-pose-face-detection-female-and-male.mp4"
need "$CLIP" "cameras: sample clip" || exit 0
command -v gst-launch-1.0 >/dev/null || { skip "cameras" "GStreamer missing (make deps)"; exit 0; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

RTSP_PORT=$(free_port)
HTTP_PORT=$(free_port)
API="http://127.0.0.1:$HTTP_PORT"

# camera NAME ARGS...: start rtsp-camera.py; sets PORT_<NAME>.
camera() {
	local name=$1 port
	shift
	port=$(free_port)
	/usr/bin/python3 "$TOOLS/rtsp-camera.py" --port "$port" --die-with-parent "$@" \
		>"$T/cam-$name.log" 2>&1 &
	pids+=($!)
	eval "PORT_$name=$port"
}
camera h265 --file "$CLIP" --codec h265
camera jpeg --pattern --size 160x120 --fps 5 --codec jpeg
camera tcp --pattern --size 160x120 --fps 5 --transport tcp
camera tcp2 --pattern --size 160x120 --fps 5 --transport tcp
camera udp --pattern --size 160x120 --fps 5 --transport udp
camera basic --pattern --size 160x120 --fps 5 --user cam --password 'p@ss:w/rd' --auth basic
camera digest --pattern --size 160x120 --fps 5 --user cam --password 'p@ss:w/rd' --auth digest
for n in h265 jpeg tcp tcp2 udp basic digest; do
	for _ in $(seq 100); do grep -q READY "$T/cam-$n.log" && break; sleep 0.1; done
	grep -q READY "$T/cam-$n.log" || { not_ok "camera $n starts"; cat "$T/cam-$n.log"; exit 1; }
done

PW='p%40ss%3Aw%2Frd'	# p@ss:w/rd
cat >"$T/camveil.yml" <<YML
rtsp: { listen: "127.0.0.1:$RTSP_PORT" }
http: { listen: "127.0.0.1:$HTTP_PORT" }
cameras:
  - name: h265
    source: "rtsp://127.0.0.1:$PORT_h265/stream"
  - name: jpeg
    source: "rtsp://127.0.0.1:$PORT_jpeg/stream"
    detect_threads: 1
  - name: tcponly
    source: "rtsp://127.0.0.1:$PORT_tcp/stream"
    detect_threads: 1
  - name: udponly
    source: "rtsp://127.0.0.1:$PORT_udp/stream"
    transport: tcp
  - name: udpwanted
    source: "rtsp://127.0.0.1:$PORT_tcp2/stream"
    transport: udp
  - name: basic
    source: "rtsp://cam:$PW@127.0.0.1:$PORT_basic/stream"
    transport: udp
    detect_threads: 1
  - name: digest
    source: "rtsp://cam:$PW@127.0.0.1:$PORT_digest/stream"
    transport: tcp
    detect_threads: 1
  - name: nocreds
    source: "rtsp://127.0.0.1:$PORT_digest/stream"
  - name: wrongpw
    source: "rtsp://cam:nope@127.0.0.1:$PORT_digest/stream"
  - name: nopath
    source: "rtsp://127.0.0.1:$PORT_tcp/nothing"
  - name: libav
    source: "rtsp://127.0.0.1:$PORT_tcp/stream"
    rtsp_client: libavformat
    detect_threads: 1
YML
"$CAMVEIL" proxy -c "$T/camveil.yml" >"$T/proxy.out" 2>"$T/proxy.log" &
pids+=($!)

check "h265: streams" wait_state h265 streaming 20
check "h265: read by camveil's client ($(field h265 input))" \
	bash -c '[[ "$0" == hevc\ 480x270*RTP/UDP ]]' "$(field h265 input)"
bash "$TOOLS/record.sh" ffmpeg-tcp "rtsp://127.0.0.1:$RTSP_PORT/h265" "$T/h265.mkv" 6 \
	>"$T/rec-h265.log" 2>&1 &
REC=$!

check "jpeg: streams" wait_state jpeg streaming 20
check "jpeg: handed to libavformat ($(field jpeg input))" \
	bash -c '[[ "$0" == mjpeg\ 160x120*libavformat ]]' "$(field jpeg input)"
check "jpeg: the log says why" grep -q "video is JPEG, not H.264 or H.265; reading it with libavformat" "$T/proxy.log"
check "tcponly: streams (UDP refused, TCP taken)" wait_state tcponly streaming 20
check "tcponly: over TCP ($(field tcponly input))" \
	bash -c '[[ "$0" == *RTP/TCP ]]' "$(field tcponly input)"
check "basic: streams with Basic credentials (percent-encoded @ : /)" wait_state basic streaming 20
check "basic: over UDP as configured ($(field basic input))" \
	bash -c '[[ "$0" == *RTP/UDP ]]' "$(field basic input)"
check "digest: streams with Digest credentials" wait_state digest streaming 20
check "libav: rtsp_client libavformat streams ($(field libav input))" \
	bash -c '[[ "$0" == h264*libavformat ]]' "$(field libav input)"

check "udponly: SETUP over TCP refused: backoff naming it ($(field udponly error))" \
	bash -c '[[ "$0" == *SETUP*461* ]]' "$(field udponly error)"
check "udpwanted: UDP asked of a TCP-only camera: no silent TCP, backoff naming it ($(field udpwanted error))" \
	bash -c '[[ "$0" == *SETUP*461* ]]' "$(field udpwanted error)"
check "nocreds: error asks for credentials ($(field nocreds error))" \
	bash -c '[[ "$0" == *"wants credentials"* ]]' "$(field nocreds error)"
check "wrongpw: error says the credentials were rejected ($(field wrongpw error))" \
	bash -c '[[ "$0" == *"credentials rejected"* ]]' "$(field wrongpw error)"
check "nopath: error names DESCRIBE and 404 ($(field nopath error))" \
	bash -c '[[ "$0" == *DESCRIBE*404* ]]' "$(field nopath error)"
check "errors never show the password" bash -c "! grep -q 'p%40ss\|p@ss' '$T/proxy.log' '$T/proxy.out'"

wait "$REC"; rc=$?
check "h265: recording through camveil (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] ||
	{ tail -5 "$T/rec-h265.log"; curl -s "$API/api/v1/cameras"; echo; tail -20 "$T/proxy.log"; } |
	sed 's/^/# /'

d=$(duration "$T/h265.mkv")
check "h265: recording lasts 6 +- 2 s (${d:-?} s)" near "$d" 6 2
n=$(out_faces "$T/h265.mkv")
check "h265: no face detectable in the recording (found ${n:-?})" test "${n:-1}" -eq 0

sleep 2
n0=$(grep -c "reading it with libavformat" "$T/proxy.log")
check "jpeg: the hand-over is remembered (logged $n0 time)" test "$n0" -eq 1
errs=$(curl -s "$API/metrics" | awk '/^camveil_decode_errors_total\{camera="h265"\}/ {print $2}')
check "h265: no damaged pictures over UDP on loopback (${errs:-?})" test "${errs:-1}" -eq 0
