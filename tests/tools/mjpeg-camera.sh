#!/bin/bash
# mjpeg-camera.sh PORT CLIP [FPS]: a test HTTP MJPEG camera, as the cheap IP
# cameras serve it: GET http://127.0.0.1:PORT/cam.mjpg answers
# "Content-Type: multipart/x-mixed-replace;boundary=ffmpeg" and one JPEG
# per part, with no timestamps, in real time (CLIP looped forever,
# re-encoded to MJPEG, at FPS if given, else at the clip's own rate).
#
# ffmpeg's HTTP server (-listen 1) serves one client and exits when it
# leaves, so it is started again in a loop: clients are served one after
# the other, each from the start of the clip (real cameras serve several at
# once; the proxy opens one connection). Prints "LISTEN PID" each time an
# ffmpeg is ready for a client (PID: that ffmpeg, to simulate a camera
# crash with kill -9 PID while this loop restarts it). SIGTERM or SIGINT:
# stop the current ffmpeg and exit 0. Exits by itself when its parent dies.
set -u
[ $# -ge 2 ] || { echo "usage: mjpeg-camera.sh PORT CLIP [FPS]" >&2; exit 2; }
PORT=$1 CLIP=$2 FPS=${3:-}
[ -r "$CLIP" ] || { echo "mjpeg-camera.sh: cannot read $CLIP" >&2; exit 1; }
RATE=()
[ -n "$FPS" ] && RATE=(-r "$FPS")
PARENT=$PPID
child=""
stop() { [ -n "$child" ] && kill "$child" 2>/dev/null; exit 0; }
trap stop TERM INT HUP
while kill -0 "$PARENT" 2>/dev/null; do
	ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$CLIP" \
		-an -map 0:v:0 "${RATE[@]}" -pix_fmt yuvj420p -c:v mjpeg -q:v 5 \
		-content_type 'multipart/x-mixed-replace;boundary=ffmpeg' \
		-f mpjpeg -listen 1 "http://127.0.0.1:$PORT/cam.mjpg" 2>/dev/null &
	child=$!
	# Listening once the port shows in /proc/net/tcp (state 0A).
	hex=$(printf '%04X' "$PORT")
	for _ in $(seq 50); do
		grep -q ":$hex 00000000:0000 0A" /proc/net/tcp && break
		sleep 0.1
	done
	echo "LISTEN $child"
	# Wait for this ffmpeg (its client left, or it was killed), checking
	# on the parent meanwhile.
	while kill -0 "$child" 2>/dev/null; do
		kill -0 "$PARENT" 2>/dev/null || { kill "$child" 2>/dev/null; exit 0; }
		sleep 0.2
	done
	wait "$child" 2>/dev/null
	child=""
	sleep 0.2	# the port is free again (SO_REUSEADDR)
done
