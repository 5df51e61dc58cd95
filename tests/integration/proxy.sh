#!/bin/bash
# The live proxy against real peers: GStreamer's RTSP server as the camera,
# ffmpeg (TCP and UDP), GStreamer and VLC as recorders. Checks recordings
# decode, last as long as asked and show no face; faults (camera killed and
# restarted, readers churning, a reader that stops reading, hostile
# requests), authentication, SIGHUP reload and SIGTERM drain.
. "$(dirname "$0")/../lib.sh"
TOOLS="$TESTS_DIR/tools"
FACECHECK="$PWD/${BUILD:-build}/tests/tools/facecheck"
CLIP="$CLIPS/head-pose-face-detection-female-and-male.mp4"
need "$CLIP" "proxy: sample clip" || exit 0
command -v gst-launch-1.0 >/dev/null || { skip "proxy" "GStreamer missing (make deps)"; exit 0; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

CAM_PORT=$(free_port)
RTSP_PORT=$(free_port)
HTTP_PORT=$(free_port)
API="http://127.0.0.1:$HTTP_PORT"

start_camera() {
	/usr/bin/python3 "$TOOLS/rtsp-camera.py" --file "$CLIP" --port "$CAM_PORT" --path /stream \
		--die-with-parent >"$T/camera.log" 2>&1 &
	CAM_PID=$!
	pids+=("$CAM_PID")
	for _ in $(seq 100); do grep -q READY "$T/camera.log" && return 0; sleep 0.1; done
	return 1
}
# Decoder errors only: GStreamer's jitter buffer squeezes the timestamps of
# the cached GOP a new reader gets in a burst, which ffmpeg's null muxer
# reports as non-monotonic dts; the pictures themselves are intact.
decodes() {
	[ -s "$1" ] && [ -z "$(ffmpeg -v error -i "$1" -f null - 2>&1 |
		grep -v 'non monotonically increasing dts' | grep -v 'Last message repeated' | head -3)" ]
}
rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

# ---- config check (-n) ----
cat >"$T/bad.yml" <<YML
cameras:
  - name: a
    source: rtsp://h/s
    mode: sepia
YML
out=$("$CAMVEIL" proxy -n -c "$T/bad.yml" 2>&1); rc=$?
check "proxy -n: bad config exits 1 naming file, line and option" \
	bash -c "[ $rc -eq 1 ] && grep -q 'bad.yml:4: cameras\[0\].mode' <<<\"\$0\"" "$out"

cat >"$T/camveil.yml" <<YML
rtsp: { listen: "127.0.0.1:$RTSP_PORT" }
http: { listen: "127.0.0.1:$HTTP_PORT" }
users:
  rec: "pw-rec"
  other: "pw-other"
cameras:
  - name: cam1
    source: "rtsp://127.0.0.1:$CAM_PORT/stream"
    transport: tcp
    bitrate: 4M
    gop: 12
  - name: cam2
    source: "rtsp://127.0.0.1:$CAM_PORT/stream"
    transport: udp
    mode: pixelate
  - name: secure
    source: "rtsp://127.0.0.1:$CAM_PORT/stream"
    users: [rec]
  - name: dead
    source: "rtsp://127.0.0.1:1/nothing"
YML
out=$("$CAMVEIL" proxy -n -c "$T/camveil.yml" 2>&1)
check "proxy -n: good config is accepted" grep -q "ok: 4 camera(s), 4 enabled, 2 user(s)" <<<"$out"

# ---- start ----
start_camera || { not_ok "camera: GStreamer RTSP server starts"; cat "$T/camera.log"; exit 1; }
"$CAMVEIL" proxy -c "$T/camveil.yml" >"$T/proxy.out" 2>"$T/proxy.log" &
PROXY=$!
pids+=("$PROXY")
check "proxy: cam1 streams (TCP from the camera)" wait_state cam1 streaming 20
check "proxy: cam2 streams (UDP from the camera)" wait_state cam2 streaming 10
check "proxy: prints the RTSP URL of each camera" grep -q "rtsp://127.0.0.1:$RTSP_PORT/cam1" "$T/proxy.out"
check "proxy: unreachable camera is in backoff with an error" test -n "$(field dead error)"

U="rec:pw-rec@127.0.0.1:$RTSP_PORT"
# ---- recorders in parallel, plus a reader that stops reading ----
python3 "$TOOLS/rtsp-client.py" stall "rtsp://$U/cam1" 16 >"$T/stall.out" 2>&1 &
STALL=$!
for k in ffmpeg-tcp ffmpeg-udp gst vlc; do
	bash "$TOOLS/record.sh" "$k" "rtsp://$U/cam1" "$T/rec-$k.mkv" 8 >"$T/rec-$k.log" 2>&1 &
	eval "REC_$(echo $k | tr - _)=\$!"
done
bash "$TOOLS/record.sh" ffmpeg-tcp "rtsp://$U/cam2" "$T/rec-cam2.mkv" 8 >/dev/null 2>&1 &
REC_CAM2=$!
bash "$TOOLS/record.sh" ffmpeg-tcp "rtsp://127.0.0.1:$CAM_PORT/stream" "$T/direct.mkv" 8 >/dev/null 2>&1 &
REC_DIRECT=$!
for k in ffmpeg-tcp ffmpeg-udp gst; do
	v=REC_$(echo $k | tr - _)
	wait "${!v}"; rc=$?
	f="$T/rec-$k.mkv"
	check "recorder $k: records cam1 (exit $rc)" test "$rc" -eq 0
	check "recorder $k: recording decodes without error" decodes "$f"
	d=$(duration "$f")
	check "recorder $k: duration ${d:-?} s is 8 +- 2 s" near "$d" 8 2
	n=$(out_faces "$f")
	check "recorder $k: no face detectable in the recording (found ${n:-?})" test "${n:-1}" -eq 0
done
wait "$REC_vlc"; rc=$?
if [ "$rc" -eq 77 ]; then
	skip "recorder vlc" "$(tail -1 "$T/rec-vlc.log")"
else
	check "recorder vlc: records cam1 (exit $rc)" test "$rc" -eq 0
	check "recorder vlc: recording decodes" decodes "$T/rec-vlc.mkv"
fi
wait "$REC_CAM2"
n=$(out_faces "$T/rec-cam2.mkv")
check "cam2 (pixelate, UDP from the camera): recording has no face (found ${n:-?})" test "${n:-1}" -eq 0
wait "$REC_DIRECT"
n=$(out_faces "$T/direct.mkv")
check "control: the camera's own stream does show faces ($n face-frames)" test "${n:-0}" -gt 10

# ---- metrics and API ----
m=$(curl -s "$API/metrics")
v() { awk -v k="$1{camera=\"$2\"}" '$1==k{print $2}' <<<"$m"; }
check "metrics: frames out counted" test "$(v camveil_frames_out_total cam1)" -gt 50
check "metrics: faces obscured counted" test "$(v camveil_faces_obscured_total cam1)" -gt 10
check "metrics: sessions counted" test "$(v camveil_reader_sessions_total cam1)" -ge 4
check "metrics: latency histogram present" grep -q 'camveil_added_latency_seconds_bucket{camera="cam1",le="0.1"}' <<<"$m"
check "metrics: flat-tile counter present" grep -q '^camveil_detect_tiles_flat_total{camera="cam1"} [0-9]' <<<"$m"
check "metrics: reconnects of the dead camera counted" test "$(v camveil_reconnects_total dead)" -ge 1
check "api: /api/v1/cameras is valid JSON" bash -c "curl -s $API/api/v1/cameras | python3 -m json.tool >/dev/null"
check "api: /healthz answers 200" test "$(curl -s -o /dev/null -w '%{http_code}' "$API/healthz")" = 200
check "api: unknown path is 404" test "$(curl -s -o /dev/null -w '%{http_code}' "$API/nope")" = 404
check "api: POST is 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/metrics")" = 405
check "api: dashboard served" bash -c "curl -s $API/ | grep -q '<title>camveil'"

# ---- the stalled reader was cut off or skipped, nobody else waited ----
wait "$STALL"
m=$(curl -s "$API/metrics")
sk=$(v camveil_reader_skipped_frames_total cam1); dr=$(v camveil_readers_dropped_total cam1)
check "stalled reader: skipped to keyframes or dropped (skipped $sk, dropped $dr)" \
	test $((sk + dr)) -gt 0

# ---- authentication ----
rc_of() { timeout 15 ffmpeg -v quiet -rtsp_transport tcp -i "$1" -t 1 -f null - ; echo $?; }
check "auth: no credentials refused" test "$(rc_of "rtsp://127.0.0.1:$RTSP_PORT/cam1")" -ne 0
check "auth: wrong password refused" test "$(rc_of "rtsp://rec:nope@127.0.0.1:$RTSP_PORT/cam1")" -ne 0
check "auth: user not allowed on this camera refused" \
	test "$(rc_of "rtsp://other:pw-other@127.0.0.1:$RTSP_PORT/secure")" -ne 0
check "auth: allowed user reads the restricted camera" \
	test "$(rc_of "rtsp://$U/secure")" -eq 0
check "auth: any user reads an unrestricted camera" \
	test "$(rc_of "rtsp://other:pw-other@127.0.0.1:$RTSP_PORT/cam1")" -eq 0

# ---- hostile requests ----
printf 'GARBAGE\r\n\r\n' >"$T/h1"
printf 'DESCRIBE rtsp://x/cam1 RTSP/1.0\r\n%s\r\n\r\n' "$(head -c 9000 /dev/zero | tr '\0' a)" >"$T/h2"
printf 'OPTIONS rtsp://x/cam1 RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 999999\r\n\r\n' >"$T/h3"
head -c 20000 /dev/urandom >"$T/h4"
for h in h1:400 h2:431 h3:413; do
	r=$(python3 "$TOOLS/rtsp-client.py" raw "127.0.0.1:$RTSP_PORT" "$T/${h%%:*}" 2>&1 | head -1)
	check "hostile: ${h%%:*} gets ${h#*:} and the connection closes" grep -q "^RTSP/1.0 ${h#*:} " <<<"$r"
done
python3 "$TOOLS/rtsp-client.py" raw "127.0.0.1:$RTSP_PORT" "$T/h4" >/dev/null 2>&1
check "hostile: proxy still serves after garbage" test "$(rc_of "rtsp://$U/cam1")" -eq 0

# ---- readers churning ----
before=$(rss_kib "$PROXY")
churn=()
for i in $(seq 12); do
	timeout 10 ffmpeg -v quiet -rtsp_transport tcp -i "rtsp://$U/cam1" -t 0.5 -f null - &
	churn+=($!)
	if [ $((i % 4)) -eq 0 ]; then wait "${churn[@]}"; churn=(); fi
done
sleep 1
after=$(rss_kib "$PROXY")
check "churn: readers back to 0 after 12 came and went" test "$(field cam1 readers)" -eq 0
check "churn: RSS ${before} -> ${after} KiB (< +24 MiB)" test $((after - before)) -lt 24576

# ---- camera killed and restarted mid-stream ----
bash "$TOOLS/record.sh" ffmpeg-tcp "rtsp://$U/cam1" "$T/rec-fault.mkv" 22 >"$T/rec-fault.log" 2>&1 &
REC=$!
sleep 5
r0=$(field cam1 reconnects)
kill -9 "$CAM_PID"; wait "$CAM_PID" 2>/dev/null
check "fault: proxy notices the camera is gone" bash -c "for i in \$(seq 100); do s=\$(curl -s $API/api/v1/cameras | grep -o '\"name\":\"cam1\"[^}]*' | grep -o '\"state\":\"[a-z]*\"'); [ \"\$s\" != '\"state\":\"streaming\"' ] && exit 0; sleep 0.1; done; exit 1"
sleep 2
start_camera
check "fault: cam1 streams again after the camera restarts" wait_state cam1 streaming 20
check "fault: reconnect counted ($r0 -> $(field cam1 reconnects))" test "$(field cam1 reconnects)" -gt "$r0"
wait "$REC"
last=$(pts_list "$T/rec-fault.mkv" | tail -1)
check "fault: the reader kept its session across the outage (last frame at ${last:-?} s)" \
	awk -v l="$last" 'BEGIN{exit !(l != "" && l > 14)}'

# ---- SIGHUP reload ----
bash "$TOOLS/record.sh" ffmpeg-tcp "rtsp://$U/cam1" "$T/rec-reload.mkv" 8 >/dev/null 2>&1 &
REC=$!
r1=$(field cam1 reconnects)
sed -i '/name: dead/,$d' "$T/camveil.yml"
cat >>"$T/camveil.yml" <<YML
  - name: cam3
    source: "pattern:320x240@10"
YML
sed -i 's/mode: pixelate/mode: blur/' "$T/camveil.yml"
sleep 2
kill -HUP "$PROXY"
check "reload: added camera streams" wait_state cam3 streaming 10
check "reload: removed camera is gone" test -z "$(field dead state)"
check "reload: changed camera takes the new mode" test "$(field cam2 mode)" = blur
check "reload: untouched camera was not restarted" test "$(field cam1 reconnects)" = "$r1"
wait "$REC"
d=$(duration "$T/rec-reload.mkv")
check "reload: a reader of an untouched camera is not interrupted (${d:-?} s of 8)" near "$d" 8 1.5
echo "cameras: [" >"$T/broken.yml"
kill -HUP "$PROXY"
sleep 0.5
cp "$T/broken.yml" "$T/camveil.yml"
kill -HUP "$PROXY"
sleep 1
check "reload: a broken config is refused and the running one kept" wait_state cam1 streaming 2
check "reload: the refusal is logged with the file" grep -q "reload: $T/camveil.yml" "$T/proxy.log"

# ---- SIGTERM ----
kill -TERM "$PROXY"
rc=124
for _ in $(seq 80); do
	if ! kill -0 "$PROXY" 2>/dev/null; then wait "$PROXY"; rc=$?; break; fi
	sleep 0.1
done
check "SIGTERM: proxy drains and exits 0 within 8 s (exit $rc)" test "$rc" -eq 0
