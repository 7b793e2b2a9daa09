#!/usr/bin/env bats
# network.bats - container networking: none, host and bridge (vmkit0, a
# veth per container, address leases, NAT and -p publishing through the
# `table ip vmkit` of nftables), and that nothing is left behind.
# First through tests/tools/net_try (net__setup / net__teardown on a child
# in a new network namespace), then through `vmkit run`. Needs root.

load helpers
load network

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	export NROOT="$BATS_FILE_TMPDIR/root"
	mkdir -p "$NROOT"
	sh "$BATS_TEST_DIRNAME/../fixtures/rootfs.sh" --tar "$BATS_FILE_TMPDIR/rootfs.tar"
	# Only for the `vmkit run` tests; those skip if import/run are missing.
	"$VMKIT" --root "$NROOT" import "$BATS_FILE_TMPDIR/rootfs.tar" img >/dev/null 2>&1 || true
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, nftables)"
	[ -x "$NET_TRY" ] || skip "net_try not built ($NET_TRY)"
	DONE="$BATS_TEST_TMPDIR/done"
	BG=()
	CTRS=()
}

teardown() {
	local p c
	touch "$DONE"
	for c in "${CTRS[@]}"; do "$VMKIT" --root "$NROOT" rm -f "$c" >/dev/null 2>&1 || true; done
	for p in "${BG[@]}"; do wait "$p" 2>/dev/null || true; done
	net_sweep "$NROOT"
}

# bg_try ARGS...: net_try in the background (its output in $BATS_TEST_TMPDIR/bg.N).
bg_try() {
	"$NET_TRY" --root "$NROOT" "$@" >"$BATS_TEST_TMPDIR/bg.${#BG[@]}" 2>&1 3>&- &
	BG+=($!)
}

wait_file() {
	local i
	for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done
	return 1
}

# A command that lasts until the test touches $DONE.
HOLD='while [ ! -e "$DONE" ]; do sleep 0.05; done'

@test "net_try bridge: eth0 in 10.209.0.0/16, default route, the gateway answers, nothing left" {
	run "$NET_TRY" --root "$NROOT" -- sh -c '
		ip -4 addr show dev eth0; ip route; ip link show lo
		busybox ping -c 1 -W 2 "$NET_GW"'
	echo "$output"
	[ "$status" -eq 0 ] # net_try also fails on a leftover veth, lease or rule
	[[ $output == *"inet 10.209."*"/16"* ]]
	[[ $output == *"default via 10.209.0.1 dev eth0"* ]]
	[[ $output == *"lo: <LOOPBACK,UP"* ]]
	[[ $output == *"1 packets received"* ]]
	ip link show vmkit0 | grep -q 'state UP\|,UP'
	ip -4 addr show dev vmkit0 | grep -q '10.209.0.1/16'
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
}

@test "net_try none: only lo, and it is up" {
	run "$NET_TRY" --root "$NROOT" --network none -- sh -c 'ip -o link show'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^[0-9]*: ')" -eq 1 ]
	[[ $output == *"1: lo: <LOOPBACK,UP"* ]]
	[ ! -d "$NROOT/net" ] || [ -z "$(ls "$NROOT/net" | grep '^10\.')" ]
}

@test "net_try host: the host's own interfaces" {
	run "$NET_TRY" --root "$NROOT" --network host -- sh -c 'ip -o link show | cut -d: -f2'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep '^ ' | sort)" = "$(ip -o link show | cut -d: -f2 | sort)" ]
}

@test "net_try bridge: two namespaces reach each other, each with its own address" {
	export DONE
	bg_try -- sh -c "echo \$NET_IP > $BATS_TEST_TMPDIR/a.ip; $HOLD"
	wait_file "$BATS_TEST_TMPDIR/a.ip"
	a=$(cat "$BATS_TEST_TMPDIR/a.ip")
	run "$NET_TRY" --root "$NROOT" -- sh -c "echo me=\$NET_IP; busybox ping -c 1 -W 2 $a"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"1 packets received"* ]]
	[[ $output != *"me=$a"* ]]
	touch "$DONE"
	wait "${BG[0]}"
}

@test "net_try bridge: containers of two state roots get different addresses" {
	export DONE
	bg_try -- sh -c "echo \$NET_IP > $BATS_TEST_TMPDIR/a.ip; $HOLD"
	wait_file "$BATS_TEST_TMPDIR/a.ip"
	a=$(cat "$BATS_TEST_TMPDIR/a.ip")
	run "$NET_TRY" --root "$BATS_TEST_TMPDIR/other-root" -- sh -c "echo me=\$NET_IP; busybox ping -c 1 -W 2 $a"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"me=10.209."* ]]
	[[ $output != *"me=$a"* ]]
	[[ $output == *"1 packets received"* ]]
	touch "$DONE"
	wait "${BG[0]}"
}

@test "net_try bridge -p: 127.0.0.1 and all-address publishing reach busybox httpd; rules go after" {
	export DONE
	p1=$(free_port) p2=$(free_port)
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo "hello from vmkit" >"$BATS_TEST_TMPDIR/www/index.html"
	id=$(new_id)
	bg_try --id "$id" -p "127.0.0.1:$p1:80" -p "$p2:8080" -- sh -c "
		busybox httpd -f -p 80 -h $BATS_TEST_TMPDIR/www & a=\$!
		busybox httpd -f -p 8080 -h $BATS_TEST_TMPDIR/www & b=\$!
		$HOLD; kill \$a \$b"
	run wait_http "http://127.0.0.1:$p1/"
	[ "$output" = "hello from vmkit" ]
	run wait_http "http://127.0.0.1:$p2/"
	[ "$output" = "hello from vmkit" ]
	# The host's own address, through the output chain's fib rule.
	hostip=$(ip -4 -o addr show scope global | grep -v vmkit0 | awk '{print $4}' | cut -d/ -f1 | head -1)
	if [ -n "$hostip" ]; then
		run wait_http "http://$hostip:$p2/"
		[ "$output" = "hello from vmkit" ]
	fi
	nft list table ip vmkit | grep -q "dport $p1 dnat to 10.209."
	touch "$DONE"
	wait "${BG[0]}" # net_try's status: teardown and leftovers checked
	no_rules_for "$id"
	run curl -fsS -m 1 "http://127.0.0.1:$p1/"
	[ "$status" -ne 0 ]
}

@test "net_try bridge -p: one container reaches another's port published on the host's address" {
	export DONE
	hostip=$(ip -4 -o addr show scope global | grep -v vmkit0 | awk '{print $4}' | cut -d/ -f1 | head -1)
	[ -n "$hostip" ] || skip "the host has no global IPv4 address"
	port=$(free_port)
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo "hairpin" >"$BATS_TEST_TMPDIR/www/index.html"
	bg_try -p "$port:80" -- sh -c "
		busybox httpd -f -p 80 -h $BATS_TEST_TMPDIR/www & a=\$!
		$HOLD; kill \$a"
	wait_file "$BATS_TEST_TMPDIR/bg.0"
	run "$NET_TRY" --root "$NROOT" -- sh -c "
		for i in \$(seq 50); do curl -fsS -m 1 http://$hostip:$port/ && exit 0; sleep 0.1; done; exit 1"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *hairpin* ]]
	touch "$DONE"
	wait "${BG[0]}"
}

@test "net_try: teardown by id alone after a crash, and a restart reclaims the lease" {
	export DONE
	id=$(new_id)
	bg_try --id "$id" -p "127.0.0.1:$(free_port):80" -- sh -c "$HOLD"
	wait_file "$BATS_TEST_TMPDIR/bg.0" # net_try prints the address once set up
	grep -q "^ip=10.209." "$BATS_TEST_TMPDIR/bg.0"
	kill -9 "${BG[0]}" # the caller dies; its container lives on
	ip link show "vk${id:0:8}"
	grep -l "$id" "$NROOT"/net/10.209.*
	nft list table ip vmkit | grep -q "$id"
	# Restarting under the same id first clears what the crash left.
	run "$NET_TRY" --root "$NROOT" --id "$id" -p "127.0.0.1:$(free_port):80" -- true
	echo "$output"
	[ "$status" -eq 0 ]
	# And a teardown from the id alone removes everything.
	touch "$DONE"
	run "$NET_TRY" --root "$NROOT" --id "$id" --down
	[ "$status" -eq 0 ]
	run "$NET_TRY" --root "$NROOT" --id "$id" --down # idempotent
	[ "$status" -eq 0 ]
	no_rules_for "$id"
	wait_gone "vk${id:0:8}"
}

@test "net_try: a crashed container's rules and lease go with a teardown by id" {
	export DONE
	id=$(new_id)
	bg_try --id "$id" -p "$(free_port):80/udp" -- sh -c "$HOLD"
	wait_file "$BATS_TEST_TMPDIR/bg.0"
	kill -9 "${BG[0]}"
	touch "$DONE" # the container ends too, without any teardown
	wait_gone "vk${id:0:8}"
	nft list table ip vmkit | grep -q "$id"
	run "$NET_TRY" --root "$NROOT" --id "$id" --down
	echo "$output"
	[ "$status" -eq 0 ]
	no_rules_for "$id"
	! grep -qs "$id" "$NROOT"/net/10.209.*
}

@test "net_try: an id sharing another's first 8 hex digits fails cleanly, the other keeps its veth" {
	export DONE
	pre=$(new_id | cut -c1-8)
	a="$pre$(printf '1%.0s' $(seq 56))" b="$pre$(printf '2%.0s' $(seq 56))"
	bg_try --id "$a" -- sh -c "$HOLD"
	wait_file "$BATS_TEST_TMPDIR/bg.0"
	run "$NET_TRY" --root "$NROOT" --id "$b" -- true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"vk$pre belongs to container ${a:0:12}"* ]]
	ip -d link show "vk$pre" | grep -q "alias 10.209.* $a"
	touch "$DONE"
	wait "${BG[0]}"
}

@test "net_try: bad -p and --network values fail with one line" {
	for bad in 80 8080: 0:80 65536:80 8080:80/sctp ::1:8080:80 8080-8081:80 x:1:2; do
		run "$NET_TRY" --root "$NROOT" -p "$bad" -- true
		echo "$bad: $output"
		[ "$status" -eq 2 ]
		[[ ${lines[0]} == "net_try: invalid port mapping '$bad'"* ]]
	done
	run "$NET_TRY" --root "$NROOT" --network bogus -- true
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "net_try: invalid network mode 'bogus'"* ]]
}

# ---- through vmkit run ----------------------------------------------------

@test "vmkit run --network none: only lo" {
	vmkit_run_works
	run "$VMKIT" --root "$NROOT" run --rm --network none img ip -o link show
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^[0-9]*: ')" -eq 1 ]
	[[ $output == *"lo: <LOOPBACK,UP"* ]]
}

@test "vmkit run --network host: the host's interfaces" {
	vmkit_run_works
	run "$VMKIT" --root "$NROOT" run --rm --network host img sh -c 'ip -o link show | cut -d: -f2'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "$(ip -o link show | cut -d: -f2 | sort)" ]
}

@test "vmkit run (bridge by default): eth0 in the subnet, the gateway answers, nothing left" {
	vmkit_run_works
	run "$VMKIT" --root "$NROOT" run --rm img sh -c 'ip -4 addr show dev eth0; ping -c 1 -W 2 10.209.0.1'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"inet 10.209."*"/16"* ]]
	[[ $output == *"1 packets received"* ]]
	[ -z "$(ls "$NROOT/net" 2>/dev/null | grep '^10\.')" ]
}

@test "vmkit run: two containers reach each other" {
	vmkit_run_works
	CTRS+=(nt-a)
	run "$VMKIT" --root "$NROOT" run -d --name nt-a img sleep 30
	[ "$status" -eq 0 ]
	a=$("$VMKIT" --root "$NROOT" inspect nt-a | sed -n 's/.*"IPAddress": "\(.*\)".*/\1/p' | head -1)
	[[ $a == 10.209.* ]]
	[ -e "$NROOT/net/$a" ] # its lease
	run "$VMKIT" --root "$NROOT" run --rm img ping -c 1 -W 2 "$a"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"1 packets received"* ]]
}

@test "vmkit run -d -p 127.0.0.1:PORT:80: the host reaches httpd; after rm nothing is left" {
	vmkit_run_works
	port=$(free_port)
	CTRS+=(nt-web)
	run "$VMKIT" --root "$NROOT" run -d --name nt-web -p "127.0.0.1:$port:80" img \
		sh -c 'mkdir -p /www && echo served-by-vmkit >/www/index.html && exec httpd -f -p 80 -h /www'
	echo "$output"
	[ "$status" -eq 0 ]
	lease=$(ls "$NROOT/net" | grep '^10\.' | head -1)
	id=$(cut -d' ' -f1 "$NROOT/net/$lease")
	run wait_http "http://127.0.0.1:$port/"
	[ "$output" = "served-by-vmkit" ]
	run "$VMKIT" --root "$NROOT" rm -f nt-web
	[ "$status" -eq 0 ]
	wait_gone "vk${id:0:8}"
	no_rules_for "$id"
	[ ! -e "$NROOT/net/$lease" ]
}

@test "vmkit restart: the container keeps a working network, and rm leaves nothing" {
	vmkit_run_works
	CTRS+=(nt-re)
	run "$VMKIT" --root "$NROOT" run -d --name nt-re img sleep 30
	[ "$status" -eq 0 ]
	run "$VMKIT" --root "$NROOT" restart -t 0 nt-re
	[ "$status" -eq 0 ]
	run "$VMKIT" --root "$NROOT" exec nt-re ping -c 1 -W 2 10.209.0.1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"1 packets received"* ]]
	id=$("$VMKIT" --root "$NROOT" inspect nt-re | sed -n 's/.*"Id": "\([0-9a-f]*\)".*/\1/p' | head -1)
	[ ${#id} -eq 64 ]
	run "$VMKIT" --root "$NROOT" rm -f nt-re
	[ "$status" -eq 0 ]
	wait_gone "vk${id:0:8}"
	[ -z "$(ls "$NROOT/net" | grep '^10\.')" ]
}

@test "vmkit run: bad --network and -p values fail with one line" {
	vmkit_run_works
	run "$VMKIT" --root "$NROOT" run --rm --network bogus img true
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -ge 1 ]
	[[ ${lines[0]} == "vmkit: "*"bogus"* ]]
	run "$VMKIT" --root "$NROOT" run --rm -p 99999:80 img true
	[ "$status" -ne 0 ]
	[[ ${lines[0]} == "vmkit: "*"99999:80"* ]]
}
