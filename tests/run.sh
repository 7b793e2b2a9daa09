#!/usr/bin/env bash
# run.sh - run every vmkit test and end with "N passed, N failed".
#
# Each suite speaks TAP (cmocka with CMOCKA_MESSAGE_OUTPUT=TAP, bats --tap,
# and the small checks below). Skips are counted and listed apart, never as
# passes. A suite that dies without reporting counts as one failure.
#   tests/run.sh [SUITE...]   suites: build unit unit-asan diff integration
#                             integration-asan guests-emu guests-emu-asan
set -u
cd "$(dirname "$0")/.."

LOGDIR=build/test-logs
mkdir -p "$LOGDIR"
pass=0 fail=0 skip=0
failures=() skips=()

# tally SUITE < tap: count one suite's TAP lines and echo progress.
tally() {
	local suite=$1 line
	while IFS= read -r line; do
		case "$line" in
		"not ok "*)
			fail=$((fail + 1)); failures+=("$suite: ${line#not ok }")
			echo "  FAIL $suite: ${line#not ok }" ;;
		"ok "*)
			shopt -s nocasematch
			if [[ "$line" == *"# skip"* ]]; then
				skip=$((skip + 1)); skips+=("$suite: ${line#ok }")
				echo "  SKIP $suite: ${line#ok }"
			else
				pass=$((pass + 1))
			fi
			shopt -u nocasematch ;;
		esac
	done
}

# run_tap SUITE CMD...: run a TAP producer, tally it, and count a silent
# crash (non-zero status, no failing test reported) as a failure.
run_tap() {
	local suite=$1 log rc before=$fail
	shift
	log="$LOGDIR/${suite//\//_}.log"
	"$@" >"$log" 2>&1
	rc=$?
	tally "$suite" <"$log"
	if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
		fail=$((fail + 1)); failures+=("$suite: exited $rc without a TAP failure (see $log)")
		echo "  FAIL $suite: exited $rc (see $log)"
	fi
}

suite_build() {
	echo "== build: warning-free with gcc and clang at -Wall -Wextra, formatted"
	local n=0 cc
	# Fed by process substitution, not a pipe: tally must run in this
	# shell, or its counts are lost with the subshell.
	tally build < <(for cc in gcc clang; do
		n=$((n + 1))
		if make --no-print-directory CC=$cc BUILD=build/check-$cc WERROR=1 all unit \
			>"$LOGDIR/build-$cc.log" 2>&1; then
			echo "ok $n - $cc -Werror build"
		else
			echo "not ok $n - $cc -Werror build (see $LOGDIR/build-$cc.log)"
		fi
	done)
	# The style is whatever .clang-format says; drift fails the suite.
	tally build < <(if clang-format --dry-run --Werror $(find src tests/unit tests/tools -name '*.[ch]') \
		>"$LOGDIR/format.log" 2>&1; then
		echo "ok 3 - clang-format clean"
	else
		echo "not ok 3 - clang-format finds drift (see $LOGDIR/format.log; run make format)"
	fi)
}

suite_unit() { # DIR NAME
	echo "== $2"
	local t
	for t in "$1"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP run_tap "$2/$(basename "$t")" "$t"
	done
}

suite_integration() { # VMKIT NAME
	echo "== $2"
	VMKIT="$PWD/$1" run_tap "$2" bats --tap tests/integration
}

# The guest programs again, on the software CPU: same output, same status.
suite_guests_emu() { # VMKIT NAME
	echo "== $2"
	VMKIT="$PWD/$1" VMKIT_ACCEL=emu run_tap "$2" bats --tap tests/integration/vm.bats \
		tests/integration/sysguests.bats
}

# The differential harness: instructions run natively and on the software
# CPU from the same state must end in the same state.
suite_diff() { # DIR NAME
	echo "== $2"
	[ -x "$1/tests/diff/cpudiff" ] || { echo "  (no harness built)"; return; }
	run_tap "$2" "$1/tests/diff/cpudiff"
}

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(build unit unit-asan diff integration integration-asan guests-emu guests-emu-asan)
for s in "${suites[@]}"; do
	case "$s" in
	build) suite_build ;;
	unit) suite_unit build unit ;;
	unit-asan) suite_unit build/asan unit-asan ;;
	integration) suite_integration build/vmkit integration ;;
	integration-asan) suite_integration build/asan/vmkit integration-asan ;;
	guests-emu) suite_guests_emu build/vmkit guests-emu ;;
	guests-emu-asan) suite_guests_emu build/asan/vmkit guests-emu-asan ;;
	diff) suite_diff build diff ;;
	*) echo "run.sh: unknown suite '$s'" >&2; exit 2 ;;
	esac
done

echo
if [ ${#skips[@]} -gt 0 ]; then
	echo "${#skips[@]} skipped (not counted as passed):"
	printf '  %s\n' "${skips[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
