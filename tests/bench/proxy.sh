#!/bin/bash
# Benchmarks of the live proxy (make bench). Not a test: prints numbers.
#
#   tests/bench/proxy.sh BUILD_DIR [latency|capacity|rss]...  (default: all)
#
# latency   A GStreamer RTSP camera serves a 1080p25 clip (faces, made from
#           the shared 1080p clip played at 25 fps); camveil pulls it with its
#           defaults. Two readers (tests/tools/rtsp-client.py) run at once,
#           one on the camera and one on camveil, each timing every frame's
#           arrival against the capture time the RTCP sender reports give:
#           the difference of the two is camveil's added latency end to end.
#           camveil's own histogram (arrival from the camera -> RTP sent) is
#           read from /metrics.
# capacity  N cameras (file sources: the same 1080p25 / 720p25 clip, looped
#           and paced in real time, so decoding is included) for
#           BENCH_CAP_SECONDS; a camera keeps up if it put out >= 97% of
#           the frames real time asks for and fully obscured < 1%. N grows
#           until one does not keep up.
# rss       One 1080p25 camera for BENCH_RSS_SECONDS with a reader connecting
#           and leaving every 2 s and one recording throughout, plus a small
#           GStreamer RTSP camera read by camveil's RTSP client and killed and
#           restarted every 30 s (the client reconnects); VmRSS sampled
#           every 10 s.
#
# Environment: SHARED (../shared), BENCH_LAT_SECONDS (30), BENCH_LAT_RES
# (1080p25 or 720p25), BENCH_LAT_OPTS (camera options, as BENCH_CAP_OPTS),
# BENCH_CAP_SECONDS (30), BENCH_CAP_MAX (6), BENCH_PRESET (x264 preset of
# the capacity cameras: veryfast, the default), BENCH_CAP_RES ("1080p25
# 720p25"), BENCH_CAP_OPTS (more camera options, e.g. "min_face: 24,
# detect_threads: 1"), BENCH_RSS_SECONDS (600), BENCH_SRC (another clip for
# every part, scaled to 1080p, each frame played at 25 fps; e.g. a real
# camera's, as /usr/share/doc/opencv-doc/examples/data/vtest.avi).
set -uo pipefail
BUILD=${1:-build}
shift || true
parts=${*:-latency capacity rss}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CAMVEIL=$root/$BUILD/camveil
TOOLS=$root/tests/tools
SHARED=${SHARED:-$(cd ../shared 2>/dev/null && pwd)}
SRC=${BENCH_SRC:-$SHARED/data/intel-iot-devkit_sample-videos/head-pose-male-1080p.mp4}
[ -r "$SRC" ] || { echo "bench: $SRC missing" >&2; exit 1; }
T=$(mktemp -d /tmp/camveil-bench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

# The clip's frames played at 25 fps (the 12 fps default clip, faster):
# every frame distinct.
echo "bench: making 1080p25 and 720p25 clips from $(basename "$SRC")"
ffmpeg -v error -i "$SRC" -vf "scale=1920:1080:flags=lanczos,setpts=N/(25*TB)" -r 25 -an \
	-c:v libx264 -preset veryfast -g 50 -y "$T/1080p25.mp4" || exit 1
ffmpeg -v error -i "$T/1080p25.mp4" -vf scale=1280:720 -c:v libx264 -preset veryfast -g 50 \
	-y "$T/720p25.mp4" || exit 1

# start_proxy YAML_CAMERAS: run camveil with these cameras; sets PROXY, API, RTSP.
start_proxy() {
	local rp hp
	rp=$(free_port); hp=$(free_port)
	RTSP=127.0.0.1:$rp
	API=http://127.0.0.1:$hp
	printf 'rtsp: { listen: "%s" }\nhttp: { listen: "127.0.0.1:%s" }\nlog: { level: warning }\ncameras:\n%s' \
		"$RTSP" "$hp" "$1" >"$T/bench.yml"
	"$CAMVEIL" proxy -c "$T/bench.yml" >"$T/proxy.out" 2>"$T/proxy.log" &
	PROXY=$!
	pids+=("$PROXY")
	sleep 1
}
stop_proxy() { kill -TERM "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; }
# api_sum KEY: a field of /api/v1/cameras, one line per camera.
api() {
	curl -s "$API/api/v1/cameras" | python3 -c "import json,sys
for c in json.load(sys.stdin)['cameras']: print(c['name'], c['$1'])"
}
wait_streaming() {
	for _ in $(seq 300); do
		[ "$(api state | grep -vc streaming)" -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}
# p99 and share under 100 ms from a Prometheus histogram of one camera.
hist() {
	curl -s "$API/metrics" | python3 -c "import sys
b=[(l.split('le=\"')[1].split('\"')[0], float(l.split()[-1])) for l in sys.stdin
   if l.startswith('$1_bucket{camera=\"$2\"')]
tot=b[-1][1]
under=[c for le,c in b if le=='0.1'][0]
p99=next(le for le,c in b if c>=0.99*tot)
print('%d frames, %.1f%% within 100 ms, p99 bucket <= %s s' % (tot, 100*under/tot, p99))"
}

latency() {
	local cp
	cp=$(free_port)
	/usr/bin/python3 "$TOOLS/rtsp-camera.py" --file "$T/${BENCH_LAT_RES:-1080p25}.mp4" --port "$cp" --gop 50 \
		--die-with-parent >"$T/cam.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do grep -q READY "$T/cam.log" && break; sleep 0.1; done
	local extra=""
	[ -n "${BENCH_LAT_OPTS:-}" ] && extra=$(echo "$BENCH_LAT_OPTS" | tr ',' '\n' | sed 's/^ */    /')
	start_proxy "  - name: cam
    source: \"rtsp://127.0.0.1:$cp/stream\"
    transport: tcp
${extra:+$extra
}"
	wait_streaming || { echo "bench: camera did not stream"; cat "$T/proxy.log"; return 1; }
	sleep 3
	echo "== latency, ${BENCH_LAT_RES:-1080p25}, ${BENCH_LAT_SECONDS:-30} s, camveil defaults${BENCH_LAT_OPTS:+ but $BENCH_LAT_OPTS} (the camera runs on the same 2 cores)"
	python3 "$TOOLS/rtsp-client.py" latency "rtsp://127.0.0.1:$cp/stream" "${BENCH_LAT_SECONDS:-30}" >"$T/direct.json" &
	local d=$!
	python3 "$TOOLS/rtsp-client.py" latency "rtsp://$RTSP/cam" "${BENCH_LAT_SECONDS:-30}" >"$T/proxied.json"
	wait "$d"
	echo "camera -> reader directly:     $(cat "$T/direct.json")"
	echo "camera -> camveil -> reader:   $(cat "$T/proxied.json")"
	python3 -c "import json
a=json.load(open('$T/direct.json')); b=json.load(open('$T/proxied.json'))
print('added by camveil, end to end: p50 %.1f ms, p99 %.1f ms' % (b['p50_ms']-a['p50_ms'], b['p99_ms']-a['p99_ms']))"
	echo "inside camveil (arrival -> sent): $(hist camveil_added_latency_seconds cam)"
	echo "detector per frame:               $(hist camveil_detect_seconds cam)"
	api added_latency_ms_avg | sed 's/^cam /inside camveil, mean ms:          /'
	api detect_ms_avg | sed 's/^cam /detector, mean ms per frame:      /'
	api fail_closed | sed 's/^/fail-closed frames: /'
	stop_proxy
}

capacity() {
	local secs=${BENCH_CAP_SECONDS:-30}
	local extra=""
	[ -n "${BENCH_CAP_OPTS:-}" ] && extra=$(echo "$BENCH_CAP_OPTS" | tr ',' '\n' | sed 's/^ */    /')
	for res in ${BENCH_CAP_RES:-1080p25 720p25}; do
		echo "== capacity, $res file cameras, preset ${BENCH_PRESET:-veryfast}${BENCH_CAP_OPTS:+, $BENCH_CAP_OPTS}, $secs s each step"
		for n in $(seq 1 "${BENCH_CAP_MAX:-6}"); do
			local cams=""
			for i in $(seq "$n"); do
				cams+="  - name: c$i
    source: \"$T/$res.mp4\"
    preset: ${BENCH_PRESET:-veryfast}
${extra:+$extra
}"
			done
			start_proxy "$cams"
			wait_streaming || { echo "bench: cameras did not start"; stop_proxy; return 1; }
			local f0 fc0
			f0=$(api frames_out | awk '{s+=$2} END{print s}')
			fc0=$(api fail_closed | awk '{s+=$2} END{print s}')
			local t0=$(date +%s.%N)
			sleep "$secs"
			local t1=$(date +%s.%N)
			local out
			out=$(api frames_out | awk '{s+=$2} END{print s}')
			local fc
			fc=$(api fail_closed | awk '{s+=$2} END{print s}')
			local ok
			ok=$(python3 -c "
fps=($out-$f0)/($t1-$t0)/$n; fc=($fc-$fc0)/max(1,$out-$f0)
print('%d camera(s): %.1f fps each (of 25), %.2f%% fully obscured -> %s' % ($n, fps, 100*fc, 'keeps up' if fps>=25*0.97 and fc<0.01 else 'BEHIND'))")
			echo "$ok   $(hist camveil_added_latency_seconds c1)"
			stop_proxy
			case "$ok" in *BEHIND*) break ;; esac
		done
	done
}

rss() {
	local secs=${BENCH_RSS_SECONDS:-600}
	echo "== RSS, one 1080p25 camera, $secs s, a reader joining and leaving every 2 s;" \
		"an RTSP camera restarted every 30 s"
	local cp
	cp=$(free_port)
	rtsp_camera() {
		/usr/bin/python3 "$TOOLS/rtsp-camera.py" --pattern --size 320x240 --fps 10 \
			--port "$cp" --die-with-parent >"$T/cam.log" 2>&1 &
		CAM=$!
		pids+=("$CAM")
	}
	rtsp_camera
	start_proxy "  - name: cam
    source: \"$T/1080p25.mp4\"
  - name: rtsp
    source: \"rtsp://127.0.0.1:$cp/stream\"
    detect_threads: 1
"
	wait_streaming || return 1
	ffmpeg -v quiet -rtsp_transport tcp -i "rtsp://$RTSP/cam" -t "$secs" -c copy -y "$T/long.mkv" &
	pids+=($!)
	local start=$(date +%s) line="" churn=0
	while [ $(($(date +%s) - start)) -lt "$secs" ]; do
		timeout 5 ffmpeg -v quiet -rtsp_transport tcp -i "rtsp://$RTSP/cam" -t 1 -f null - &
		churn=$((churn + 1))
		sleep 2
		if [ $((($(date +%s) - start) % 10)) -lt 2 ]; then
			line+=" $(($(date +%s) - start))s:$(($(rss_kib "$PROXY") / 1024))M"
		fi
		if [ $((churn % 15)) -eq 0 ]; then	# every 30 s
			kill -9 "$CAM" 2>/dev/null
			wait "$CAM" 2>/dev/null
			rtsp_camera
		fi
	done
	echo "VmRSS (MiB) over time:$line"
	echo "readers churned: $churn; RTSP camera reconnects: $(api reconnects | awk '$1 == "rtsp" {print $2}')"
	stop_proxy
}

for p in $parts; do "$p"; done
