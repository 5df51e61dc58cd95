#!/bin/bash
# record.sh KIND URL OUT SECONDS: record an RTSP stream with a real client.
#
#   KIND     ffmpeg-tcp  ffmpeg -rtsp_transport tcp ... -t SECONDS -c copy
#            ffmpeg-udp  the same over UDP
#            gst         gst-launch-1.0 -e rtspsrc buffer-mode=none !
#                        rtph264depay ! h264parse ! mux ! filesink (UDP, TCP
#                        if refused), stopped with SIGINT (EOS: the file is
#                        finalized) SECONDS after the first data reached it
#            vlc         cvlc --rtsp-tcp URL --run-time=SECONDS --sout
#                        '#std{...}' vlc://quit; as root run as user nobody
#                        (VLC refuses root). Needs VLC's live555 module:
#                        Debian has built VLC without it since 3.0.12-2, so
#                        there VLC has no RTSP client and KIND vlc exits 77.
#   URL      rtsp://[user:pass@]host:port/path
#   OUT      the recording; .ts gives MPEG-TS, anything else Matroska
#   SECONDS  how long to record (media time), an integer
#
# Exit status: 0 when the recorder stopped by itself (or on our signal)
# and OUT exists and is non-empty; 1 recording failed or empty; 2 usage;
# 77 this recorder is not installed or cannot play RTSP here (tests skip);
# 124 hard timeout (SECONDS+20 s: the recorder was killed). Never hangs.
# The command used is printed to stderr, as are the recorder's errors.
set -u
PROG=record.sh

usage() {
	echo "usage: $PROG ffmpeg-tcp|ffmpeg-udp|gst|vlc URL OUT SECONDS" >&2
	exit 2
}
[ $# -eq 4 ] || usage
KIND=$1 URL=$2 OUT=$3 SECS=$4
case "$SECS" in '' | *[!0-9]*) usage ;; esac
[ "$SECS" -gt 0 ] || usage
case "$URL" in rtsp://* | rtsps://*) ;; *) echo "$PROG: not an rtsp:// URL: $URL" >&2; exit 2 ;; esac
OUTDIR=$(dirname -- "$OUT")
if [ ! -d "$OUTDIR" ] || [ ! -w "$OUTDIR" ]; then
	echo "$PROG: cannot write in $OUTDIR" >&2
	exit 1
fi
case "$OUT" in *.ts) MUX=ts ;; *) MUX=mkv ;; esac

# millisecond clock
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
need() { command -v "$1" >/dev/null 2>&1 || { echo "$PROG: $KIND: $1 not installed" >&2; exit 77; }; }
show() { echo "$PROG: $*" >&2; }
quote() { local a s=""; for a; do s+=" $(printf %q "$a")"; done; echo "${s# }"; }

pid="" tmp=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

rm -f -- "$OUT"
REC=$OUT	# the file the recorder writes (vlc as root: in a temp dir)
STOP=self	# self: stops on its own; int: we send SIGINT SECONDS after data
RUNAS=()
case "$KIND" in
ffmpeg-tcp | ffmpeg-udp)
	need ffmpeg
	fmt=matroska; [ "$MUX" = ts ] && fmt=mpegts
	CMD=(ffmpeg -nostdin -hide_banner -loglevel error -y
		-rtsp_transport "${KIND#ffmpeg-}" -timeout 10000000 -i "$URL"
		-map 0:v -map '0:a?' -c copy -t "$SECS" -f "$fmt" "$OUT")
	;;
gst)
	need gst-launch-1.0
	mux=matroskamux; [ "$MUX" = ts ] && mux=mpegtsmux
	# buffer-mode=none: timestamps from RTP alone, as the sender meant
	# them (the default, slave, adds the arrival jitter of a busy host).
	CMD=(gst-launch-1.0 -e -q rtspsrc "location=$URL" latency=200 buffer-mode=none tcp-timeout=10000000
		! rtph264depay ! h264parse ! "$mux" ! filesink buffer-mode=unbuffered "location=$OUT")
	STOP=int
	;;
vlc)
	need cvlc
	if [ "$(id -u)" -eq 0 ]; then
		# /usr/bin/vlc exits at once as root ("VLC is not supposed to be
		# run as root"); vlc-wrapper as root only says "Cannot determine
		# unprivileged user". So: user nobody, with a HOME and an output
		# directory of its own, the file moved to OUT afterwards.
		need runuser
		tmp=$(mktemp -d /tmp/record-vlc.XXXXXX) || exit 1
		chown nobody "$tmp" || exit 1
		REC="$tmp/out.$MUX"
		RUNAS=(runuser -u nobody -- env "HOME=$tmp")
	fi
	# Without live555 VLC's "rtsp" is only SAT>IP (MPEG-TS) and Real RTSP.
	if ! "${RUNAS[@]}" cvlc --list 2>/dev/null | grep -qw live555; then
		echo "$PROG: vlc: this VLC has no RTSP client (no live555 module; Debian builds" \
			"VLC without it since 3.0.12-2, #981439)" >&2
		exit 77
	fi
	CMD=("${RUNAS[@]}" cvlc -q --no-interact --rtsp-tcp "$URL" --run-time="$SECS"
		--sout "#std{access=file,mux=$MUX,dst=$REC}" vlc://quit)
	;;
*) usage ;;
esac

show "$(quote "${CMD[@]}")"
# Own process group, so that every process of the recorder can be killed.
setsid -w "${CMD[@]}" </dev/null >&2 &
pid=$!
start=$(now_ms)
hard=$((start + (SECS + 20) * 1000))
data=""	# when the recording received its first data
sent=""
timedout=""
while kill -0 "$pid" 2>/dev/null; do
	t=$(now_ms)
	if [ "$STOP" = int ] && [ -z "$sent" ]; then
		[ -z "$data" ] && [ -s "$REC" ] && data=$t
		if [ -n "$data" ] && [ $((t - data)) -ge $((SECS * 1000)) ]; then
			kill -INT "$pid"
			sent=$t
		fi
	fi
	if [ "$t" -ge $((hard - 2000)) ] && [ -z "$timedout" ]; then
		echo "$PROG: $KIND: no end after $((SECS + 18)) s, terminating" >&2
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
		timedout=$t
	fi
	if [ "$t" -ge "$hard" ]; then
		echo "$PROG: $KIND: killed after $((SECS + 20)) s" >&2
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
		break
	fi
	sleep 0.1
done
wait "$pid" 2>/dev/null	# no "Killed" job notice
rc=$?
pid=""
if [ "$REC" != "$OUT" ] && [ -e "$REC" ]; then
	mv -f -- "$REC" "$OUT" && chown "$(id -u):$(id -g)" "$OUT"
fi
if [ -n "$timedout" ]; then
	exit 124
fi
if [ "$rc" -ne 0 ]; then
	echo "$PROG: $KIND exited with status $rc" >&2
	exit 1
fi
if [ ! -s "$OUT" ]; then
	echo "$PROG: $KIND: no recording in $OUT" >&2
	exit 1
fi
exit 0
