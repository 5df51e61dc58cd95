#!/bin/bash
# The real peers of the live proxy's tests, checked on their own, and how
# to drive them:
#
#   tests/tools/rtsp-camera.py   the camera: GStreamer's RTSP server, H.264
#                                over RTP, a clip looped forever in real time
#                                (or --pattern); prints "READY rtsp://..."
#   tests/tools/record.sh        a recorder: KIND URL OUT SECONDS, KIND one of
#                                ffmpeg-tcp ffmpeg-udp gst vlc; exit 77 when
#                                the recorder cannot do RTSP here (VLC on
#                                Debian: built without live555)
#
# start_camera below is the way to run a camera in a test: background, own
# output file, --die-with-parent, killed by the EXIT trap.
. "$(dirname "$0")/../lib.sh"
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
CAMERA="$TOOLS/rtsp-camera.py"
RECORD="$TOOLS/record.sh"
SECS=6	# per recording; all recorders run at once

CAM_PIDS=() REC_PIDS=()
cleanup() {
	local p
	for p in "${REC_PIDS[@]}" "${CAM_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${REC_PIDS[@]}" "${CAM_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# start_camera NAME ARGS...: run rtsp-camera.py ARGS in the background,
# wait (15 s at most) for its READY line; sets CAM_URL and CAM_PID.
start_camera() {
	local out="$T/camera-$1" i
	shift
	CAM_URL=""
	"$CAMERA" --die-with-parent "$@" >"$out.out" 2>"$out.err" &
	CAM_PID=$!
	CAM_PIDS+=("$CAM_PID")
	for i in $(seq 150); do
		CAM_URL=$(sed -n 's/^READY //p' "$out.out" 2>/dev/null)
		[ -n "$CAM_URL" ] && return 0
		kill -0 "$CAM_PID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# /' "$out.err"
	return 1
}

# stream_info URL [ffprobe options]: "codec,width,height,rate" of the video.
stream_info() {
	local url=$1
	shift
	timeout 20 ffprobe -v error "$@" -select_streams v:0 \
		-show_entries stream=codec_name,width,height,r_frame_rate -of csv=p=0 "$url"
}
# increasing FILE: frame timestamps strictly increase. ffmpeg's RTSP client
# leaves the first packet without a timestamp (its muxer then gives it the
# second one's), with any server: the first frame is not compared.
increasing() {
	pts_list "$1" | tail -n +2 | awk 'NR > 1 && $1 <= p { bad = 1 } { p = $1; n++ } END { exit bad || n < 10 }'
}

start=$(date +%s)
if ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' 2>/dev/null ||
	! gst-inspect-1.0 x264enc >/dev/null 2>&1; then
	skip "peers: test camera" "python3-gi, GstRtspServer or x264enc missing (scripts/deps.sh test)"
	exit 0
fi

# --- the camera ---------------------------------------------------------------
WALK="$CLIPS/face-demographics-walking.mp4"	# 35 frames: a loop every 2.9 s
if [ -e "$WALK" ]; then
	SRC=(--file "$WALK")
else
	SRC=(--pattern)
	echo "# $WALK missing: camera on a test pattern"
fi
if start_camera main "${SRC[@]}" --size 640x360 --fps 25; then
	ok "camera: READY rtsp://127.0.0.1:PORT/stream on a free port"
else
	not_ok "camera: starts and prints READY"
	exit 0
fi
URL=$CAM_URL MAIN_PID=$CAM_PID
check "camera: serves H.264 640x360 at 25 fps (ffprobe over TCP)" \
	test "$(stream_info "$URL" -rtsp_transport tcp)" = "h264,640,360,25/1"

# --- every recorder at once, ~6 s each ----------------------------------------
KINDS="ffmpeg-tcp ffmpeg-udp gst vlc"
for k in $KINDS; do
	"$RECORD" "$k" "$URL" "$T/rec-$k.mkv" "$SECS" 2>"$T/rec-$k.err" &
	REC_PIDS+=($!)
done
# Meanwhile: authentication (digest and basic offered, credentials in the
# URL, percent-encoded) on a TCP-only camera, recorded with gst (which
# tries UDP first and must fall back).
if start_camera auth --pattern --size 320x180 --fps 15 --transport tcp \
	--user cam --password 'p@ss:w/rd'; then
	AUTH=${CAM_URL/rtsp:\/\//rtsp://cam:p%40ss%3Aw%2Frd@}
	"$RECORD" gst "$AUTH" "$T/auth-gst.mkv" 3 2>"$T/auth-gst.err" &
	REC_PIDS+=($!)
	check "camera --user: refuses a client without credentials (401)" \
		grep -q 401 <<<"$(stream_info "$CAM_URL" -rtsp_transport tcp 2>&1)"
	check "camera --user: accepts credentials in the URL (ffprobe)" \
		test "$(stream_info "$AUTH" -rtsp_transport tcp)" = "h264,320,180,15/1"
	check "camera --transport tcp: refuses RTP over UDP (461)" \
		grep -q 461 <<<"$(stream_info "$AUTH" -rtsp_transport udp 2>&1)"
else
	not_ok "camera --user --transport tcp: starts"
fi

i=0
for k in $KINDS; do
	wait "${REC_PIDS[$i]}"
	rc=$?
	i=$((i + 1))
	f="$T/rec-$k.mkv"
	if [ "$rc" -eq 77 ]; then
		skip "record.sh $k" "$(tail -1 "$T/rec-$k.err" | sed 's/^record.sh: [^:]*: //')"
		continue
	fi
	if [ "$rc" -ne 0 ]; then
		sed 's/^/# /' "$T/rec-$k.err"
	fi
	check "record.sh $k: exits 0 with a recording" test "$rc" -eq 0 -a -s "$f"
	errs=$([ -s "$f" ] && ffmpeg -v error -i "$f" -f null - 2>&1 | head -5)
	[ -n "$errs" ] && echo "$errs" | sed 's/^/# /'
	check "record.sh $k: recording decodes without errors" test -s "$f" -a -z "$errs"
	d=$(duration "$f" 2>/dev/null)
	check "record.sh $k: lasts ${SECS} s +-2 (${d:-none})" near "$d" "$SECS" 2
	check "record.sh $k: timestamps increase across loop boundaries" increasing "$f"
done
if [ -n "${AUTH:-}" ]; then
	wait "${REC_PIDS[$i]}"
	rc=$?
	d=$(duration "$T/auth-gst.mkv" 2>/dev/null)
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/auth-gst.err"
	check "record.sh gst: credentials in URL, TCP fallback, 3 s +-2 (${d:-none})" \
		near "$d" 3 2
fi

# --- stop, kill -9, restart on the same port ------------------------------------
PORT=${URL#rtsp://127.0.0.1:}
PORT=${PORT%%/*}
{ kill -9 "$MAIN_PID" && wait "$MAIN_PID"; } 2>/dev/null
if start_camera again "${SRC[@]}" --port "$PORT"; then
	check "camera: restarts on the same port after kill -9" test "$CAM_URL" = "$URL"
	check "camera: serves again after the restart" \
		test "$(stream_info "$URL" -rtsp_transport udp | cut -d, -f1)" = h264
	kill -TERM "$CAM_PID"
	t0=$(date +%s)
	wait "$CAM_PID"
	rc=$?
	check "camera: exits 0 on SIGTERM, at once" test "$rc" -eq 0 -a $(($(date +%s) - t0)) -le 3
else
	not_ok "camera: restarts on the same port after kill -9"
fi
echo "# peers: $(($(date +%s) - start)) s"
