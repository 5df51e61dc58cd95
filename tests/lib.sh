# Shared helpers for shell tests (sourced). TAP-style output:
#   ok - NAME | not ok - NAME | ok - NAME # SKIP reason
# Environment from tests/run.sh: CAMVEIL (binary), SHARED (../shared), TESTS_DIR.
set -u
: "${CAMVEIL:=$PWD/build/camveil}"
: "${SHARED:=$(cd "$PWD/../shared" 2>/dev/null && pwd)}"
: "${TESTS_DIR:=$PWD/tests}"
DATA="$SHARED/data"
CLIPS="$DATA/intel-iot-devkit_sample-videos"
T=$(mktemp -d /tmp/camveil-test.XXXXXX)
trap 'rm -rf "$T"' EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; }
# check NAME CMD...: ok if CMD succeeds.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# need FILE NAME: skip NAME (return 1) unless FILE exists.
need() {
	[ -e "$1" ] && return 0
	skip "$2" "missing $1"
	return 1
}
# probe FILE ENTRY: one ffprobe value of the first video stream.
probe() {
	ffprobe -v error -select_streams v:0 -show_entries "$2" -of default=nw=1:nk=1 "$1" | head -1
}
# frame_count FILE: decoded video frames.
frame_count() {
	ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames \
		-of default=nw=1:nk=1 "$1" | head -1	# TS lists the stream twice (program)
}
# pts_list FILE: video frame timestamps, one per line.
pts_list() {
	ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 "$1" |
		grep -o "^[0-9.-]*" | grep .  # side-data sections add empty fields
}
# duration FILE: container duration, seconds.
duration() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1" 2>/dev/null; }
# near A B TOL: |A - B| <= TOL (A not empty).
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(a != "" && d <= t && -d <= t) }'; }
# free_port: a TCP port free on 127.0.0.1 now.
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
# field CAMERA KEY: one value from the proxy's /api/v1/cameras at $API.
field() {
	curl -s "$API/api/v1/cameras" | python3 -c "import json,sys
for c in json.load(sys.stdin)['cameras']:
    if c['name']=='$1': print(c['$2'])" 2>/dev/null
}
# wait_state CAMERA STATE SECONDS: until the proxy reports CAMERA in STATE.
wait_state() {
	for _ in $(seq $(($3 * 10))); do [ "$(field "$1" state)" = "$2" ] && return 0; sleep 0.1; done
	return 1
}
# out_faces FILE: faces $FACECHECK still finds in FILE. It is a measuring
# tool (OpenCV's allocations look leaked to LSan, whose report at exit
# would swallow the JSON): no leak check for it.
out_faces() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$FACECHECK" "$1" "$1" 2>/dev/null |
		python3 -c 'import json,sys;print(json.load(sys.stdin)["out_faces"])'
}
# json_field FILE KEY: a number from a JSON line (camveil's --json summaries).
json_field() {
	sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1"
}
# sealcheck_ok NAME ORIG ENC REQ OUT: every in-scope region of the restore
# OUT is the original's, every other sealed region stays masked (sealcheck).
sealcheck_ok() {
	"$(dirname "$CAMVEIL")/tests/tools/sealcheck" "$2" "$3" "$4" "$5" >"$T/sc.json" 2>"$T/sc.err"
	local in=$(json_field "$T/sc.json" in_scope) ex=$(json_field "$T/sc.json" exact)
	local out=$(json_field "$T/sc.json" out_scope) m=$(json_field "$T/sc.json" masked)
	if [ -n "$in" ] && [ "$in" -gt 0 ] && [ "$in" = "$ex" ] && [ "$out" = "$m" ]; then
		ok "$1 ($(cat "$T/sc.json"))"
	else
		not_ok "$1 ($(cat "$T/sc.json"))"; sed 's/^/# /' "$T/sc.err"
	fi
}
# proxy_record YML API URL SECONDS OUT [FFMPEG_OPTS...]: run the proxy on YML
# until its camera streams (API: its http base), record URL with ffmpeg
# over TCP for SECONDS into OUT, stop the proxy. Sets T0 and T1, an ISO
# 8601 window (UTC) around the recording.
proxy_record() {
	local yml=$1 api=$2 url=$3 secs=$4 out=$5 px; shift 5
	"$CAMVEIL" proxy -q -c "$yml" 2>"$yml.err" &
	px=$!
	for _ in $(seq 50); do
		curl -fs "$api/api/v1/cameras" 2>/dev/null | grep -q streaming && break
		sleep 0.2
	done
	T0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	timeout 20 ffmpeg -v error -rtsp_transport tcp -i "$url" -t "$secs" -c copy "$@" "$out"
	T1=$(date -u -d "+1 second" +%Y-%m-%dT%H:%M:%SZ)
	kill $px; wait $px 2>/dev/null
}
