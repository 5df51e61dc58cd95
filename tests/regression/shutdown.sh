#!/bin/bash
# SIGTERM while file cameras are mid-read: the proxy exits 0 and logs no
# "damaged packet" (an interrupted read returned its partial packet as if
# it were whole, and the decoder warned about it on the way out).
. "$(dirname "$0")/../lib.sh"
CLIP="$CLIPS/head-pose-male-1080p.mp4"
need "$CLIP" "shutdown: 1080p sample clip" || exit 0

for run in 1 2; do
	rp=$(free_port); hp=$(free_port)
	cat >"$T/s.yml" <<YML
rtsp: { listen: "127.0.0.1:$rp" }
http: { listen: "127.0.0.1:$hp" }
cameras:
  - { name: a, source: "$CLIP", detect_threads: 1 }
  - { name: b, source: "$CLIP", detect_threads: 1 }
  - { name: c, source: "$CLIP", detect_threads: 1 }
YML
	"$CAMVEIL" proxy -c "$T/s.yml" >/dev/null 2>"$T/s.log" &
	px=$!
	API="http://127.0.0.1:$hp"
	for cam in a b c; do wait_state "$cam" streaming 20; done
	sleep 3
	kill -TERM "$px"
	wait "$px"; rc=$?
	check "run $run: SIGTERM with 3 file cameras reading: exit 0 (exit $rc)" test "$rc" -eq 0
	n=$(grep -c "damaged packet" "$T/s.log")
	check "run $run: no damaged-packet warning on the way out ($n)" test "$n" -eq 0
done
