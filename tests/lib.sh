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
