#!/bin/bash
# Run every test suite and print the total as the last line:
#   N passed, N failed[, N skipped]
#
# Suites:
#   unit         cmocka binaries $BUILD/tests/test_* (CMOCKA_MESSAGE_OUTPUT=stdout)
#   integration  tests/integration/*.sh, drive build/camveil on real clips
#   regression   tests/regression/*.sh, bad input, forgeries, past bugs
# Shell tests print TAP-style lines, "ok - NAME" / "not ok - NAME"; one that
# exits non-zero without reporting a failure counts as one failed test.
set -u
BUILD=${1:-build}
export BUILD
export CAMVEIL="$PWD/$BUILD/camveil"
export TESTS_DIR="$PWD/tests"
export SHARED="${SHARED:-$(cd "$PWD/../shared" 2>/dev/null && pwd)}"
export CMOCKA_MESSAGE_OUTPUT=stdout

passed=0
failed=0
skipped=0
failures=()

run_unit() {
	local bin=$1 out p f
	out=$("$bin" 2>&1)
	local rc=$?
	echo "$out" | grep -E '^\[ +(OK|FAILED|RUN|PASSED|ERROR) +\]|^\[=+\]' | grep -v '^\[ RUN' | sed 's/^/    /'
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f))
	[ "$f" -gt 0 ] && failures+=("$(basename "$bin")")
}

run_shell() {
	local script=$1 out p f s rc
	out=$(bash "$script" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/    /'
	p=$(echo "$out" | grep '^ok ' | grep -vc '# SKIP')
	s=$(echo "$out" | grep -c '^ok .*# SKIP')
	skipped=$((skipped + s))
	f=$(echo "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "    not ok - $(basename "$script") exited $rc"
	fi
	passed=$((passed + p)); failed=$((failed + f))
	[ "$f" -gt 0 ] && failures+=("$(basename "$script")")
}

start=$(date +%s)
echo "== unit"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "  $(basename "$t")"
	run_unit "$t"
done
for suite in integration regression; do
	echo "== $suite"
	for t in tests/$suite/*.sh; do
		[ -f "$t" ] || continue
		echo "  $(basename "$t")"
		run_shell "$t"
	done
done
echo "== $(( $(date +%s) - start )) s"
[ ${#failures[@]} -gt 0 ] && echo "failing: ${failures[*]}"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
