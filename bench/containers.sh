#!/usr/bin/env bash
# containers.sh - container start-up, side by side with podman and crun in
# one run (issue 6). A benchmark, not a test: it prints figures.
#   bench/containers.sh [run] [runtime]     (default: both)
#   RUNS=N (default 50)
#
# Peers (installed by `scripts/deps.sh bench`, configured here, outside the
# repository's state): podman 4.3 with runc (crun refuses this host's hybrid
# cgroups), the settings HOST-NOTES gives: nofile/nproc default ulimits,
# cgroupfs, the vfs storage driver; crun 1.8 run in a mount namespace with
# /sys/fs/cgroup/unified unmounted, which is the only way it starts here.
# Every tool runs the same busybox image (tests/fixtures/rootfs.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
VMKIT=${VMKIT:-$PWD/build/vmkit}
# The runtime alone: rt_try calls rt__spawn, waits and rt__cleanup, as
# `crun run` does for a bundle (tests/tools/rt_try.c).
RT_TRY=${RT_TRY:-$(dirname "$VMKIT")/tests/tools/rt_try}
RUNS=${RUNS:-50}
W=${BENCH_WORK:-/tmp/vmkit-bench-containers}
mkdir -p "$W"

setup() {
	[ -f "$W/rootfs.tar" ] || tests/fixtures/rootfs.sh --tar "$W/rootfs.tar"
	"$VMKIT" --root "$W/vmkit" images -q 2>/dev/null | grep -q . ||
		"$VMKIT" --root "$W/vmkit" import "$W/rootfs.tar" bench/busybox >/dev/null
	cat >"$W/containers.conf" <<'C'
[containers]
default_ulimits = ["nofile=1024:1024","nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
C
	export CONTAINERS_CONF="$W/containers.conf"
	PODMAN="podman --root $W/podman/storage --runroot $W/podman/run --storage-driver vfs --runtime runc"
	$PODMAN image exists localhost/bench/busybox ||
		$PODMAN import "$W/rootfs.tar" localhost/bench/busybox >/dev/null
	if [ ! -d "$W/bundle/rootfs" ]; then
		mkdir -p "$W/bundle/rootfs"
		tar -C "$W/bundle/rootfs" -xf "$W/rootfs.tar"
		(cd "$W/bundle" && crun spec && jq '.process.terminal=false | .process.args=["/bin/true"]' \
			config.json >config.tmp && mv config.tmp config.json)
	fi
	cat >"$W/crun-run.sh" <<C
#!/bin/sh
# One crun run of the bundle (crun refuses hybrid cgroups: hide the v2 mount).
cd "$W/bundle"
exec unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; exec crun \\\${1:+--cgroup-manager=disabled} run b\\\$\\\$" sh "\$@"
C
	chmod +x "$W/crun-run.sh"
}

bench_run() {
	echo "== run --rm IMAGE /bin/true: vmkit and podman, median of $RUNS"
	hyperfine -N -w 3 -r "$RUNS" --export-json "$W/run.json" \
		-n "vmkit --network none" "$VMKIT --root $W/vmkit run --rm --network none bench/busybox /bin/true" \
		-n "vmkit (bridge)" "$VMKIT --root $W/vmkit run --rm bench/busybox /bin/true" \
		-n "podman --network none" "$PODMAN run --rm --network none localhost/bench/busybox /bin/true" \
		-n "podman (default network)" "$PODMAN run --rm localhost/bench/busybox /bin/true" >/dev/null
	report "$W/run.json"
}

bench_runtime() {
	echo "== the runtime alone: one container from a prepared root, /bin/true, median of $RUNS"
	hyperfine -N -w 3 -r "$RUNS" --export-json "$W/runtime.json" \
		-n "vmkit runtime (cgroups v1)" "$RT_TRY -s $W/rt -l $W/bundle/rootfs -- /bin/true" \
		-n "crun run (cgroups v1)" "$W/crun-run.sh" \
		-n "crun run (no cgroups)" "$W/crun-run.sh nocg" \
		-n "(crun's wrapper alone: unshare, sh, umount)" \
		"unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec true'" >/dev/null
	report "$W/runtime.json"
}

# report FILE: each command's median and its ratio to the first.
report() {
	jq -r '.results as $r | $r[0].median as $base |
		$r[] | "\(.command)\t\(.median * 1000 | . * 10 | round / 10) ms median" +
		"\t(min \(.min * 1000 | . * 10 | round / 10), \(.times | length) runs)" +
		"\tx\(.median / $base | . * 100 | round / 100) of the first"' "$1" | column -t -s $'\t'
}

setup
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(run runtime)
for b in "${which[@]}"; do "bench_$b"; done
