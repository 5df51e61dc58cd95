#!/bin/bash
# Download the pinned YuNet face detection models into DIR, sha256-checked.
#
#   scripts/models.sh DIR [NAME...]      (make models = scripts/models.sh models)
#
# Why: models are never part of the source tree (see blur/model.h), so a fresh
# checkout needs a reproducible way to get exactly the files the detector was
# tuned on. The URLs are pinned to one upstream commit and the checksums are
# copied here, so this works on a machine without ../shared and a changed or
# truncated download is refused. Each file is fetched to a temporary name in
# DIR and renamed into place only once its checksum matches; a file already
# present with the right checksum is left alone; a file present with the
# wrong checksum is reported and left untouched (remove it to fetch again).
#
# NAME defaults to all four models (about 1.1 MB). MODELS_URL overrides the
# base URL (e.g. a local mirror, file:///path/to/dir); the checksums still
# apply.
set -euo pipefail

COMMIT=0047ac24afb1a50a0c6105001c89d1b5b805dbf1
BASE_URL=${MODELS_URL:-https://github.com/ShiqiYu/libfacedetection.train/raw/$COMMIT/onnx}

# From ShiqiYu/libfacedetection.train@$COMMIT onnx/ (Apache-2.0).
declare -A SHA256=(
	[yunet_n_640_640.onnx]=25a606a145a5b6d7271ae138fbd00eba91dad8b83222ae3f2c7ecd0f4a7b0e31
	[yunet_n_320_320.onnx]=81dbde155e982455488235acb8ec2dec5d647edf7cf7080d33e4abb69b93a0d2
	[yunet_s_640_640.onnx]=8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4
	[yunet_s_320_320.onnx]=beb05bf2378aee45cd7c41056da07265b7bb91041ed1b06f923819a9c744ec36
)
ALL="yunet_n_640_640.onnx yunet_n_320_320.onnx yunet_s_640_640.onnx yunet_s_320_320.onnx"

me=models.sh
die() { echo "$me: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: scripts/models.sh DIR [NAME...]  (NAME: $ALL)"
dir=$1
shift
names=${*:-$ALL}
for n in $names; do
	[ -n "${SHA256[$n]:-}" ] || die "$n: unknown model; known: $ALL"
done

command -v sha256sum >/dev/null || die "sha256sum not found (Debian package coreutils)"
if command -v curl >/dev/null; then
	fetch() { curl --fail --silent --show-error --location --retry 2 \
		--connect-timeout 20 --max-time 300 -o "$2" "$1"; }
elif command -v wget >/dev/null; then
	fetch() { wget --quiet --tries=3 --timeout=20 -O "$2" "$1"; }
else
	die "neither curl nor wget found (apt-get install curl)"
fi

mkdir -p "$dir" || die "$dir: cannot create directory"

# Temporary download names, removed on any exit (a verified one has already
# been renamed away by then).
tmps=()
cleanup() { [ ${#tmps[@]} -eq 0 ] || rm -f "${tmps[@]}"; }
trap cleanup EXIT

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

failed=0
for n in $names; do
	want=${SHA256[$n]}
	dst=$dir/$n
	if [ -e "$dst" ]; then
		got=$(sha_of "$dst") || die "$dst: cannot read"
		if [ "$got" = "$want" ]; then
			echo "$dst: present, sha256 verified"
		else
			echo "$me: $dst: present but sha256 does not match the pinned model" >&2
			echo "$me:   expected $want" >&2
			echo "$me:   got      $got" >&2
			echo "$me:   left untouched; remove it and rerun to download it again" >&2
			failed=1
		fi
		continue
	fi

	url=$BASE_URL/$n
	tmp=$(mktemp "$dir/.$n.XXXXXX.part") || die "$dir: cannot create a temporary file"
	tmps+=("$tmp")
	echo "$dst: downloading $url"
	if ! fetch "$url" "$tmp"; then
		echo "$me: $n: download failed from $url" >&2
		echo "$me:   check the network (or set MODELS_URL to a mirror, or copy the" >&2
		echo "$me:   file from a checkout's ../shared/models/ShiqiYu_libfacedetection.train/)" >&2
		failed=1
		continue
	fi
	got=$(sha_of "$tmp")
	if [ "$got" != "$want" ]; then
		echo "$me: $n: downloaded file does not match the pinned sha256; discarded" >&2
		echo "$me:   expected $want" >&2
		echo "$me:   got      $got ($(stat -c %s "$tmp") bytes from $url)" >&2
		failed=1
		continue
	fi
	chmod 0644 "$tmp"
	mv -f "$tmp" "$dst"
	echo "$dst: downloaded, sha256 verified"
done

[ "$failed" -eq 0 ] || die "some models are missing or wrong (see above)"
