#!/bin/bash
# HTTP MJPEG cameras through the live proxy, with real peers: ffmpeg's HTTP
# server as the camera (multipart/x-mixed-replace, no timestamps, a clip
# with faces looped in real time; tests/tools/mjpeg-camera.sh), ffmpeg as
# the recorder. Checks the recording decodes, lasts as long as asked, runs
# at the camera's rate and shows no face; the camera killed and restarted
# (reconnect, the reader keeps its session).
#
# And DESCRIBE while a camera is not streaming yet (proxy just started,
# camera reconnecting, camera never there): the request waits up to 5 s
# instead of a 503 that recorders do not retry; a client that leaves, a
# TEARDOWN, a SIGHUP removing the camera and SIGTERM end the wait.
. "$(dirname "$0")/../lib.sh"
TOOLS="$TESTS_DIR/tools"
FACECHECK="$PWD/${BUILD:-build}/tests/tools/facecheck"
CLIP="$CLIPS/head-pose-face-detection-female-and-male.mp4"	# 480x270, 12 fps
need "$CLIP" "mjpeg: sample clip" || exit 0
command -v ffmpeg >/dev/null || { skip "mjpeg" "ffmpeg missing (make deps)"; exit 0; }
[ -x "$FACECHECK" ] || { not_ok "mjpeg: $FACECHECK is built (make unit)"; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
start=$(date +%s)

CAM_PORT=$(free_port) LATE_PORT=$(free_port) CTL_PORT=$(free_port)
RTSP_PORT=$(free_port) HTTP_PORT=$(free_port)
API="http://127.0.0.1:$HTTP_PORT"
RTSP="rtsp://127.0.0.1:$RTSP_PORT"

# mjpeg_camera NAME PORT: start a camera; its log is $T/NAME.log.
mjpeg_camera() {
	bash "$TOOLS/mjpeg-camera.sh" "$2" "$CLIP" >"$T/$1.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do grep -qs LISTEN "$T/$1.log" && return 0; sleep 0.1; done
	return 1
}
metric() { curl -s "$API/metrics" | awk -v k="$1{camera=\"$2\"}" '$1==k{print $2}'; }
# Frames are timed by their arrival: when the camera sends two frames close
# together (ffmpeg's server does at each loop of the clip), they fall in the
# same tick of ffmpeg's default null-encoder time base (1/frame rate) and it
# reports non-monotonic dts; the input's own time base tells them apart.
decodes() {
	local e
	[ -s "$1" ] || return 1
	e=$(ffmpeg -v error -i "$1" -enc_time_base -1 -f null - 2>&1 | head -3)
	[ -z "$e" ] && return 0
	echo "$e" | sed 's/^/# /'
	return 1
}
between() { awk -v d="$1" -v lo="$2" -v hi="$3" 'BEGIN{exit !(d != "" && d >= lo && d <= hi)}'; }
record() {	# record NAME CAMERA SECONDS: ffmpeg over TCP, in the background
	bash "$TOOLS/record.sh" ffmpeg-tcp "$RTSP/$2" "$T/$1.mkv" "$3" >"$T/$1.log" 2>&1 &
}
describe() {	# describe NAME CAMERA [ARGS]: rtsp-describe.py in the background
	local n=$1 c=$2
	shift 2
	python3 "$TOOLS/rtsp-describe.py" "$RTSP/$c" "$@" >"$T/$n.out" 2>&1 &
}
# sent NAME: wait until describe NAME has sent its request (and the proxy
# has had a moment to read it).
sent() {
	for _ in $(seq 50); do grep -qs '^sent' "$T/$1.out" && break; sleep 0.1; done
	sleep 0.3
}
# status_at FILE CSEQ: "STATUS SECONDS" of the answer to CSEQ.
status_at() { awk -v q="$2" '$2==q{print $1, $3}' "$1"; }

cat >"$T/camveil.yml" <<YML
rtsp: { listen: "127.0.0.1:$RTSP_PORT" }
http: { listen: "127.0.0.1:$HTTP_PORT" }
cameras:
  - name: cam
    source: "http://127.0.0.1:$CAM_PORT/cam.mjpg"
    gop: 12
  - name: late
    source: "http://127.0.0.1:$LATE_PORT/cam.mjpg"
    gop: 12
  - name: gone
    source: "http://127.0.0.1:1/never.mjpg"
  - name: never
    source: "http://127.0.0.1:1/never.mjpg"
  - name: off
    source: "http://127.0.0.1:1/never.mjpg"
    enabled: false
YML

# ---- the camera, and a control: faces are visible in what it serves ----
mjpeg_camera ctl "$CTL_PORT" || { not_ok "camera: mjpeg-camera.sh listens"; exit 1; }
ffmpeg -nostdin -v error -i "http://127.0.0.1:$CTL_PORT/cam.mjpg" -t 3 -c copy \
	"$T/control.mkv" >/dev/null 2>&1 &
CONTROL=$!
check "camera: mjpeg-camera.sh listens" mjpeg_camera cam "$CAM_PORT"

# ---- proxy start; recorders that come at the same moment ----
"$CAMVEIL" proxy -c "$T/camveil.yml" >"$T/proxy.out" 2>"$T/proxy.log" &
PROXY=$!
pids+=("$PROXY")
for _ in $(seq 100); do grep -qs "$RTSP/cam" "$T/proxy.out" && break; sleep 0.1; done
# The camera is still connecting: these DESCRIBEs have to wait.
record main cam 8
REC_MAIN=$!
describe never never
describe teardown never --then teardown --after 1
describe gaveup never --then close --after 0.5
describe off off

# The late camera: a recorder asks for it while nothing serves it yet (it
# is in backoff, two attempts failed); the server comes up then, and the
# next attempt, 2 s later, finds it.
for _ in $(seq 100); do
	[ "$(field late state)/$(field late reconnects)" = backoff/1 ] && break
	sleep 0.1
done
check "late camera: in backoff after two failed attempts (no server yet)" \
	test "$(field late state)/$(field late reconnects)" = backoff/1
record late late 4
REC_LATE=$!
sleep 0.3
mjpeg_camera late "$LATE_PORT"

wait "$CONTROL"
n=$(out_faces "$T/control.mkv")
check "control: the MJPEG camera's own stream shows faces ($n face-frames)" test "${n:-0}" -gt 10

wait "$REC_MAIN"; rc=$?
f="$T/main.mkv"
check "recorder: started with the proxy, records cam (exit $rc)" test "$rc" -eq 0
check "describe: the recorder's DESCRIBE waited for the camera instead of a 503" \
	grep -q "DESCRIBE cam answered after waiting" "$T/proxy.log"
waited=$(sed -n 's/.*DESCRIBE cam answered after waiting \([0-9.]*\) s.*/\1/p' "$T/proxy.log" | head -1)
echo "# DESCRIBE of cam waited ${waited:-?} s"
check "recorder: recording decodes without error" decodes "$f"
d=$(duration "$f")
check "recorder: duration ${d:-?} s is 8 +- 1 s" near "$d" 8 1
frames=$(frame_count "$f")
fps=$(awk -v n="$frames" -v d="$d" 'BEGIN{if (d > 0) printf "%.2f", n / d}')
check "recorder: ${frames:-?} frames in ${d:-?} s = ${fps:-?} fps, the camera's 12 +- 1.5" \
	near "$fps" 12 1.5
# Median frame interval, robust to the first packet ffmpeg leaves unstamped.
med=$(pts_list "$f" | awk 'NR>1{print $1-p} {p=$1}' | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
check "recorder: median frame interval ${med:-?} s is 1/12 s (timed by arrival)" near "$med" 0.0833 0.01
input=$(field cam input)
rate=$(sed -n 's/^mjpeg 480x270 \([0-9.]*\) fps$/\1/p' <<<"$input")
check "camera: input '$input' is mjpeg 480x270 at the measured rate, 12 +- 1 fps" near "$rate" 12 1
in=$(metric camveil_frames_in_total cam); out=$(metric camveil_frames_out_total cam)
echo "# cam: frames in $in, out $out, overload-dropped $(metric camveil_overload_dropped_frames_total cam)"
check "camera: frames out ($out) keep up with frames in ($in)" \
	awk -v i="$in" -v o="$out" 'BEGIN{exit !(i > 50 && o >= 0.9 * i)}'

wait "$REC_LATE"; rc=$?
check "late camera: a recorder that asked before its server was up records it (exit $rc)" \
	test "$rc" -eq 0
d=$(duration "$T/late.mkv")
check "late camera: recording decodes" decodes "$T/late.mkv"
check "late camera: duration ${d:-?} s is 4 +- 1 s" near "$d" 4 1
w=$(sed -n 's/.*DESCRIBE late answered after waiting \([0-9.]*\) s.*/\1/p' "$T/proxy.log" | head -1)
echo "# DESCRIBE of late waited ${w:-?} s"
check "late camera: its DESCRIBE waited ${w:-?} s for it" between "$w" 0.5 5

# ---- DESCRIBE on a camera that never comes ----
r=$(status_at "$T/never.out" 1)
check "never: DESCRIBE answered 503 after the 5 s wait (${r:-none})" \
	bash -c "set -- $r; [ \"\$1\" = 503 ] && awk -v t=\"\$2\" 'BEGIN{exit !(t >= 4.8 && t <= 6.5)}'"
r=$(status_at "$T/teardown.out" 1); r2=$(status_at "$T/teardown.out" 2)
check "never: TEARDOWN during the wait ends it: 503 then 454, at once (${r:-none}; ${r2:-none})" \
	bash -c "set -- $r $r2; [ \"\$1\" = 503 ] && [ \"\$3\" = 454 ] && awk -v t=\"\$2\" 'BEGIN{exit !(t < 2)}'"
check "never: a client that leaves while waiting: the proxy carries on (no answer sent, still up)" \
	bash -c "grep -q '^gave up' '$T/gaveup.out' && ! grep -q '^[0-9]' '$T/gaveup.out' && kill -0 $PROXY"
r=$(status_at "$T/off.out" 1)
check "disabled camera: DESCRIBE answered 503 at once, no wait (${r:-none})" \
	bash -c "set -- $r; [ \"\$1\" = 503 ] && awk -v t=\"\$2\" 'BEGIN{exit !(t < 1)}'"

# ---- the camera killed and restarted under a reader ----
record fault cam 12
REC_FAULT=$!
sleep 3
r0=$(metric camveil_reconnects_total cam)
s0=$(metric camveil_reader_sessions_total cam)
victim=$(sed -n 's/^LISTEN //p' "$T/cam.log" | tail -1)
kill -9 "$victim"
gone=0
for _ in $(seq 60); do [ "$(field cam state)" != streaming ] && { gone=1; break; }; sleep 0.05; done
check "fault: the proxy notices the MJPEG camera is gone" test "$gone" -eq 1
# A recorder that comes during the reconnect waits for the camera.
record during cam 3
REC_DURING=$!
check "fault: cam streams again after its server restarts" wait_state cam streaming 10
r1=$(metric camveil_reconnects_total cam)
check "fault: reconnect counted in /metrics ($r0 -> $r1)" test "${r1:-0}" -gt "${r0:-0}"
wait "$REC_DURING"; rc=$?
d=$(duration "$T/during.mkv")
check "fault: a recorder started during the reconnect records (exit $rc)" test "$rc" -eq 0
check "fault: its recording lasts ${d:-?} s of 3 +- 1" near "$d" 3 1
wait "$REC_FAULT"; rc=$?
last=$(pts_list "$T/fault.mkv" | tail -1)
check "fault: the reader kept its session across the outage (exit $rc, last frame at ${last:-?} s)" \
	awk -v l="$last" -v rc="$rc" 'BEGIN{exit !(rc == 0 && l != "" && l > 9)}'
check "fault: recording across the outage decodes" decodes "$T/fault.mkv"
s1=$(metric camveil_reader_sessions_total cam)
check "fault: the first reader needed no new session ($s0 -> $s1 sessions: +1, the recorder that came during the outage)" \
	test "$s1" -eq $((s0 + 1))

# ---- faces (after the recordings: facecheck is CPU-heavy) ----
for k in main late; do
	n=$(out_faces "$T/$k.mkv")
	check "$k: no face detectable in the recording (found ${n:-?})" test "${n:-1}" -eq 0
done

# ---- SIGHUP removes a camera with a DESCRIBE waiting: 404 at once ----
describe removed gone
sent removed
sed -i '/name: gone/,+1d' "$T/camveil.yml"
kill -HUP "$PROXY"
for _ in $(seq 30); do grep -q '^[0-9]' "$T/removed.out" && break; sleep 0.1; done
r=$(status_at "$T/removed.out" 1)
check "reload: a DESCRIBE waiting on a removed camera gets 404 (${r:-none})" \
	bash -c "set -- $r; [ \"\$1\" = 404 ] && awk -v t=\"\$2\" 'BEGIN{exit !(t < 2)}'"

# ---- SIGTERM with a DESCRIBE waiting: 503, exit 0 ----
describe term never
sent term
kill -TERM "$PROXY"
rc=124
for _ in $(seq 80); do
	if ! kill -0 "$PROXY" 2>/dev/null; then wait "$PROXY"; rc=$?; break; fi
	sleep 0.1
done
sleep 0.2
r=$(status_at "$T/term.out" 1)
check "SIGTERM: a waiting DESCRIBE is answered 503 at once (${r:-none})" \
	bash -c "set -- $r; [ \"\$1\" = 503 ] && awk -v t=\"\$2\" 'BEGIN{exit !(t < 2)}'"
[ -n "$r" ] || sed 's/^/# term: /' "$T/term.out"
check "SIGTERM: proxy exits 0 (exit $rc)" test "$rc" -eq 0
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T/proxy.log"; then
	grep -E -A12 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T/proxy.log" | head -40 | sed 's/^/# /'
	not_ok "proxy: no sanitizer report"
else
	ok "proxy: no sanitizer report"
fi

# ---- rtsp.describe_wait: a shorter wait, and none ----
for w in 1.5 0; do
	cat >"$T/wait.yml" <<YML
rtsp: { listen: "127.0.0.1:$RTSP_PORT", describe_wait: $w }
http: { listen: "127.0.0.1:$HTTP_PORT" }
cameras:
  - name: never
    source: "http://127.0.0.1:1/never.mjpg"
YML
	"$CAMVEIL" proxy -c "$T/wait.yml" >"$T/wait.out" 2>"$T/wait.log" &
	PROXY=$!
	pids+=("$PROXY")
	for _ in $(seq 100); do grep -qs "$RTSP/never" "$T/wait.out" && break; sleep 0.1; done
	describe wait$w never
	for _ in $(seq 60); do grep -qs '^[0-9]' "$T/wait$w.out" && break; sleep 0.1; done
	r=$(status_at "$T/wait$w.out" 1)
	lo=$(awk -v w="$w" 'BEGIN{print w - 0.2}'); hi=$(awk -v w="$w" 'BEGIN{print w + 1.2}')
	check "describe_wait: $w: 503 after ${w} s (${r:-none})" \
		bash -c "set -- $r; [ \"\$1\" = 503 ] && awk -v t=\"\$2\" 'BEGIN{exit !(t >= $lo && t <= $hi)}'"
	kill -TERM "$PROXY"; wait "$PROXY"
done
echo "# mjpeg: $(($(date +%s) - start)) s"
