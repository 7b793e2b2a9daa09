# containers.bash - helpers for containers.bats: a state root per test with
# the busybox image imported, and clean-up that leaves nothing behind.
#   vmk ARGS...         vmkit with this test's --root
#   PTYRUN              the pty driver (tests/tools/ptyrun.c)
#   cstate ID KEY       a field of the container's state.json
#   wait_for CMD...     retry CMD every 50 ms for up to 10 s
#   assert_no_leftovers [ID] no container dir, name, socket or mount under
#                       the root, and no cgroup of ID

PTYRUN="$(dirname "$VMKIT")/tests/tools/ptyrun"

containers_setup_file() {
	"$BATS_TEST_DIRNAME/../fixtures/rootfs.sh" --tar "$BATS_FILE_TMPDIR/rootfs.tar"
}

containers_setup() {
	[ "$(id -u)" = 0 ] || skip "containers need root"
	R="$BATS_TEST_TMPDIR/root"
	"$VMKIT" --root "$R" import "$BATS_FILE_TMPDIR/rootfs.tar" busybox >/dev/null
}

containers_teardown() {
	[ -n "${R:-}" ] && [ -d "$R/containers" ] || return 0
	local ids
	ids=$("$VMKIT" --root "$R" ps -aq --no-trunc 2>/dev/null) || true
	# shellcheck disable=SC2086
	[ -z "$ids" ] || "$VMKIT" --root "$R" rm -f $ids >/dev/null 2>&1 || true
}

vmk() {
	"$VMKIT" --root "$R" "$@"
}

cstate() {
	jq -r ".$2" "$R/containers/$1/state.json"
}

wait_for() {
	local i
	for i in $(seq 200); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

assert_no_leftovers() {
	local id=${1:-}
	! ls -A "$R/containers" | grep -q . || { echo "containers/ not empty:"; ls -A "$R/containers"; return 1; }
	! ls -A "$R/names" 2>/dev/null | grep -q . || { echo "names left:"; ls -l "$R/names"; return 1; }
	! find "$R" -name '*.sock' | grep -q . || { echo "socket left"; return 1; }
	[ -z "$id" ] || ! find /sys/fs/cgroup -maxdepth 4 -type d -name "$id" 2>/dev/null | grep -q . ||
		{ echo "cgroup left"; find /sys/fs/cgroup -maxdepth 4 -type d -name "$id"; return 1; }
	! grep -q "$R" /proc/self/mountinfo || { echo "mount left"; return 1; }
}
