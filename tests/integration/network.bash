# network.bash - helpers for network.bats: the net_try driver, fresh
# container ids, and a sweep that removes whatever a failed test left of
# its containers' networking (veths, nftables rules, leases), so one
# failure never breaks the tests after it. Source after helpers.bash.

# net_try sits beside the vmkit under test (same build, ASan or not).
NET_TRY="$(dirname "$VMKIT")/tests/tools/net_try"

# new_id: a random 64-hex container id.
new_id() {
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# net_sweep ROOT: undo the networking of every lease under ROOT/net.
net_sweep() {
	local root=$1 f id h
	[ -d "$root/net" ] || return 0
	for f in "$root"/net/10.209.*; do
		[ -e "$f" ] || continue
		id=$(cut -d' ' -f1 "$f")
		ip link del "vk${id:0:8}" 2>/dev/null || true
		for h in $(nft -a list table ip vmkit 2>/dev/null | grep "comment \"$id\"" | sed 's/.*# handle //'); do
			for c in prerouting output; do
				nft delete rule ip vmkit "$c" handle "$h" 2>/dev/null || true
			done
		done
		rm -f "$f"
	done
}

# wait_gone NAME: the host end of a veth goes with the container's
# namespace, which the kernel frees asynchronously: up to 3 s.
wait_gone() {
	local i
	for i in $(seq 60); do
		ip link show "$1" >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	return 1
}

# no_rules_for ID: the vmkit table holds no rule of that container.
no_rules_for() {
	! nft list table ip vmkit 2>/dev/null | grep -q "$1"
}

# free_port: a TCP port nothing listens on.
free_port() {
	local p
	for p in $(shuf -i 20000-40000 -n 20); do
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# wait_http URL: fetch URL (up to 5 s while the server starts).
wait_http() {
	local i out
	for i in $(seq 50); do
		out=$(curl -fsS -m 1 "$1" 2>/dev/null) && { echo "$out"; return 0; }
		sleep 0.1
	done
	return 1
}

# vmkit_run_works: skip the test unless `vmkit run` is implemented.
vmkit_run_works() {
	local out
	out=$("$VMKIT" --root "$NROOT" run --rm --network none img /bin/true 2>&1) && return 0
	case $out in
	*"not implemented"*) skip "vmkit run is not implemented yet" ;;
	esac
	return 0
}
