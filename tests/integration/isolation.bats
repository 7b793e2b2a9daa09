#!/usr/bin/env bats
# isolation.bats - what a container can see and do, as a Docker user would
# check it: its own pid, mount, uts, ipc, net and cgroup namespaces, Docker's
# /proc /sys /dev, capabilities, no_new_privs, seccomp, users, binds,
# limits, and nothing left behind on the host.

load helpers
load isolation

setup_file() {
	iso_setup_file
}

teardown_file() {
	iso_teardown_file
}

@test "pid 1 is the command and host processes are invisible" {
	ctr -- sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; ls /proc | grep -c "^[0-9][0-9]*$"; ps -o pid,comm'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; ls /proc | grep -c \"^[0-9][0-9]*\$\"; ps -o pid,comm " ]
	# sh, ls and grep: nothing of the host's hundreds of processes
	[ "${lines[1]}" -le 4 ]
	! echo "$output" | grep -qw bats
}

@test "mounting a filesystem is refused" {
	ctr -- sh -c 'mount -t tmpfs none /mnt; echo "status $?"'
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "permission denied"
	echo "$output" | grep -q "status 1"
}

@test "loading a kernel module is refused" {
	ctr -- sh -c 'head -c 4096 /dev/urandom >/tmp/m.ko; insmod /tmp/m.ko'
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "Operation not permitted"
}

@test "masked paths show nothing, read-only paths refuse writes" {
	ctr -- sh -c 'wc -c </proc/timer_list; ls -A /proc/acpi /sys/firmware | wc -w;
		[ ! -e /proc/kcore ] || wc -c </proc/kcore;
		echo x >/proc/sys/kernel/domainname || echo refused'
	[ "$status" -eq 0 ]
	[ "$(wc -c </proc/timer_list)" -gt 0 ] # the host's is not empty
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 2 ] # only the two headings: both directories empty
	echo "$output" | grep -q "Read-only file system"
	echo "$output" | grep -q refused
	if [ -e /proc/kcore ]; then [ "${lines[2]}" = 0 ]; fi
}

@test "every path Docker masks is empty, /proc/interrupts too" {
	ctr -- sh -c 'for p in /proc/asound /proc/acpi /proc/interrupts /proc/kcore /proc/keys \
		/proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi \
		/sys/firmware /sys/devices/virtual/powercap; do
		if [ -d $p ]; then echo "$p $(ls -A $p | wc -l)"; elif [ -e $p ]; then echo "$p $(wc -c <$p)"; fi
	done'
	[ "$status" -eq 0 ]
	[ "$(wc -c </proc/interrupts)" -gt 0 ] # the host's is not empty
	echo "$output" | grep -q "^/proc/interrupts 0$"
	! echo "$output" | grep -v " 0$"
}

@test "no group of the host's cgroup tree shows under /sys/fs/cgroup" {
	local h probes=()
	# a group of the host's in every hierarchy, so there is one to leak
	for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		[ -L "${h%/}" ] && continue
		[ -e "$h/cgroup.procs" ] || continue
		mkdir -p "$h/vmkit-iso-probe" && probes+=("$h/vmkit-iso-probe")
	done
	ctr -- sh -c 'find /sys/fs/cgroup/ -name "vmkit-iso-probe*"; find /sys/fs/cgroup/ -mindepth 2 -type d;
		ls /sys/fs/cgroup | wc -l'
	for h in "${probes[@]}"; do rmdir "$h"; done
	[ "$status" -eq 0 ]
	[ "${#probes[@]}" -gt 0 ]
	# only the count of hierarchies: no directory under any of them
	[ "${#lines[@]}" -eq 1 ]
}

@test "hostname and /etc/hostname are the container's" {
	ctr --hostname box1 -- sh -c 'hostname; cat /etc/hostname; grep -c localhost /etc/hosts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = box1 ]
	[ "${lines[1]}" = box1 ]
	[ "${lines[2]}" -ge 1 ]
	[ "$(hostname)" != box1 ]
}

@test "root gets Docker's default capabilities, no_new_privs and seccomp" {
	ctr -- grep -E '^(CapEff|CapBnd|CapPrm|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx $'CapEff:\t00000000a80425fb'
	echo "$output" | grep -qx $'CapBnd:\t00000000a80425fb'
	echo "$output" | grep -qx $'CapPrm:\t00000000a80425fb'
	echo "$output" | grep -qx $'CapAmb:\t0000000000000000'
	echo "$output" | grep -qx $'NoNewPrivs:\t1'
	echo "$output" | grep -qx $'Seccomp:\t2'
}

@test "-u 1000 runs as app with no capabilities" {
	ctr -u 1000 -- sh -c 'id; echo $HOME; grep -E "^Cap(Eff|Prm):" /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "uid=1000(app) gid=1000(app) groups=29(audio)" ]
	[ "${lines[1]}" = /home/app ]
	echo "$output" | grep -qx $'CapEff:\t0000000000000000'
	echo "$output" | grep -qx $'CapPrm:\t0000000000000000'
}

@test "-u name:group and an unknown user" {
	ctr -u nobody:audio -- id
	[ "$status" -eq 0 ]
	[ "$output" = "uid=65534(nobody) gid=29(audio)" ]
	ctr -u nosuchuser -- id
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "unable to find user nosuchuser"
}

@test "-v binds a host directory read-write and read-only" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	echo hello >"$BATS_TEST_TMPDIR/data/in"
	ctr -v "$BATS_TEST_TMPDIR/data:/rw" -v "$BATS_TEST_TMPDIR/data:/deep/ro:ro" -- \
		sh -c 'cat /deep/ro/in; echo made >/rw/out; echo no >/deep/ro/x || echo refused'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	echo "$output" | grep -q "Read-only file system"
	[ "$(cat "$BATS_TEST_TMPDIR/data/out")" = made ]
	[ ! -e "$BATS_TEST_TMPDIR/data/x" ]
}

@test "-w sets the working directory, creating it" {
	ctr -w /work/here -- pwd
	[ "$status" -eq 0 ]
	[ "$output" = /work/here ]
}

@test "/dev holds Docker's nodes, a private devpts, shm and mqueue" {
	ctr -- sh -c 'ls /dev | tr "\n" " "; echo; ls /dev/pts | tr "\n" " "; echo;
		echo x >/dev/null && head -c 3 /dev/zero | wc -c; readlink /dev/ptmx;
		grep -E " /dev/(pts|shm|mqueue) " /proc/self/mountinfo | wc -l'
	[ "$status" -eq 0 ]
	for n in null zero full random urandom tty ptmx pts shm mqueue fd stdin stdout stderr; do
		echo "${lines[0]}" | grep -qw "$n"
	done
	[ "${lines[1]}" = "ptmx " ] # a new devpts instance: no host ptys
	[ "${lines[2]}" = 3 ]
	[ "${lines[3]}" = pts/ptmx ]
	[ "${lines[4]}" = 3 ]
}

@test "network none: only loopback; /sys and /sys/fs/cgroup read-only" {
	ctr -- sh -c 'ls /sys/class/net; touch /sys/x 2>&1; touch /sys/fs/cgroup/x 2>&1;
		cut -d: -f3 /proc/self/cgroup | sort -u'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[ "$(echo "$output" | grep -c "Read-only file system")" = 2 ]
	# the cgroup namespace: the container's cgroup is its root
	[ "${lines[3]}" = / ]
}

@test "a missing command is status 127, a non-executable one 126" {
	ctr -- nosuchcommand
	[ "$status" -eq 127 ]
	echo "$output" | grep -q 'exec: "nosuchcommand": executable file not found in $PATH'
	ctr -- /etc/passwd
	[ "$status" -eq 126 ]
	echo "$output" | grep -q "permission denied"
}

@test "a failing step names itself and is not taken for a missing command" {
	ctr -v "$BATS_TEST_TMPDIR/nonexistent:/x" -- true
	[ "$status" -ne 0 ]
	[ "$status" -ne 127 ]
	[ "$status" -ne 126 ]
	echo "$output" | grep -q "bind $BATS_TEST_TMPDIR/nonexistent"
	echo "$output" | grep -q "No such file or directory"
}

@test "environment: PATH, HOSTNAME and HOME are set, -e passed" {
	ctr -u app -e FOO=bar --hostname envhost -- env
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx "FOO=bar"
	echo "$output" | grep -qx "HOSTNAME=envhost"
	echo "$output" | grep -qx "HOME=/home/app"
	echo "$output" | grep -q "^PATH=/usr/local/sbin:/usr/local/bin:"
}

@test "network host: the host's interfaces, /sys read-only" {
	ctr --network host -- sh -c 'ls /sys/class/net | wc -l; touch /sys/x'
	[ "$status" -ne 0 ]
	[ "${lines[0]}" -eq "$(ls /sys/class/net | wc -l)" ]
	echo "$output" | grep -q "Read-only file system"
}

@test "network bridge: /etc/hosts names the container's address, no loopback resolver" {
	ctr --network bridge --hostname web1 -- sh -c 'tail -1 /etc/hosts; ip -4 -o addr show eth0; grep -c "^nameserver" /etc/resolv.conf; grep -c "nameserver 127\." /etc/resolv.conf; true'
	[ "$status" -eq 0 ]
	local ip
	ip=$(echo "${lines[0]}" | cut -f1)
	[ "$(echo "${lines[0]}" | cut -f2)" = web1 ]
	echo "${lines[1]}" | grep -q "inet $ip/"
	[ "${lines[2]}" -ge 1 ]
	[ "${lines[3]}" = 0 ]
}

@test "the exit status is the command's" {
	ctr -- sh -c 'exit 42'
	[ "$status" -eq 42 ]
}

@test "nothing stays mounted on the host, no cgroup left, after the container exits" {
	local before after short
	before=$(host_mounts)
	# the default hostname is the id's first 12 digits, as in Docker
	ctr --memory 64m -v "$BATS_TEST_TMPDIR:/mnt/x:ro" -- hostname
	[ "$status" -eq 0 ]
	short=$output
	[ "${#short}" -eq 12 ]
	after=$(host_mounts)
	[ "$before" = "$after" ]
	! grep -q "$BATS_TEST_TMPDIR" /proc/self/mountinfo
	! ls -d /sys/fs/cgroup/*/vmkit/"$short"* 2>/dev/null
}

@test "a memory limit kills the process with status 137" {
	ctr --memory 32m -- sh -c 'head -c 200m /dev/zero | tail'
	[ "$status" -eq 137 ]
}

@test "a pids limit stops forks" {
	# busybox sh gives up at the first failed fork, so a child shell hits
	# the limit; the count (builtins only: no fork) and the clean-up
	# (kill -1 from pid 1 reaches every other process) need no new one.
	ctr --pids-limit 8 -- sh -c 'sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done";
		n=0; for p in /proc/[0-9]*; do n=$((n + 1)); done; echo "procs $n"; kill -9 -1; wait'
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "can't fork"
	# pid 1 and the sleeps the limit allowed (12 without it)
	local n
	n=$(echo "$output" | sed -n 's/^procs //p')
	[ "$n" -ge 2 ] && [ "$n" -le 8 ]
}

# The runtime's own driver, whichever way ctr runs: rt__exec, and more
# layers than fit in one page of mount options.
@test "runtime driver: exec joins the running container" {
	local st="$BATS_TEST_TMPDIR/st"
	run timeout 30 "$RT_TRY" -s "$st" -l "$ISO_LAYER" -h exechost \
		-E 'hostname; ps -o pid,comm | grep -c sleep; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; exit 5' \
		-- sleep 30
	[ "$status" -eq 5 ]
	[ "${lines[0]}" = exechost ]
	[ "${lines[1]}" = 1 ]
	echo "$output" | grep -qx $'NoNewPrivs:\t1'
	run timeout 30 "$RT_TRY" -s "$st" -l "$ISO_LAYER" -E 'nosuch' -- sleep 30
	[ "$status" -eq 127 ]
}

@test "runtime driver: many layers, the top one wins" {
	local layers=(-l "$ISO_LAYER") i d
	# 45 layers with long paths do not fit in one page of mount options
	for i in $(seq 1 45); do
		d="$BATS_TEST_TMPDIR/layers/$(printf '%064d' "$i")/diff"
		mkdir -p "$d/etc"
		echo "$i" >"$d/etc/which"
		layers+=(-l "$d")
	done
	run timeout 30 "$RT_TRY" -s "$BATS_TEST_TMPDIR/st" "${layers[@]}" -- cat /etc/which
	[ "$status" -eq 0 ]
	[ "$output" = 45 ]
}

@test "runtime driver: -t opens the pty in the container's devpts, as Docker" {
	run timeout 30 "$RT_TRY" -t -s "$BATS_TEST_TMPDIR/st" -l "$ISO_LAYER" -- \
		sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both; stat -c %t:%T /dev/console; cut -d" " -f7 /proc/self/stat; exit 4'
	[ "$status" -eq 4 ]
	output=$(echo "$output" | tr -d '\r')
	[ "$(echo "$output" | sed -n 1p)" = /dev/pts/0 ]
	[ "$(echo "$output" | sed -n 2p)" = both ]
	[ "$(echo "$output" | sed -n 3p)" = 88:0 ] # /dev/console is pts 0 (major 136)
	# the controlling terminal (tty_nr, field 7) is that pty: 136 << 8
	[ "$(echo "$output" | sed -n 4p)" = 34816 ]
}

@test "runtime driver: a user namespace maps root to an unprivileged range" {
	local st="$BATS_TEST_TMPDIR/st" base
	base=$(sed -n 's/^root:\([0-9]*\):.*/\1/p' /etc/subuid 2>/dev/null | head -1)
	: "${base:=100000}"
	run timeout 30 "$RT_TRY" -U -s "$st" -l "$ISO_LAYER" -- \
		sh -c 'id -u; cat /proc/self/uid_map; stat -c %u /etc/passwd; echo x >/etc/made && echo wrote;
			mount -t tmpfs none /mnt 2>&1; grep ^CapEff: /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 $base 65536" ]
	[ "${lines[2]}" = 0 ] # the image's files are root's in the container
	[ "${lines[3]}" = wrote ]
	echo "$output" | grep -q "permission denied"
	echo "$output" | grep -qx $'CapEff:\t00000000a80425fb'
	# on the host, what it wrote belongs to the range
	[ "$(stat -c %u "$st/upper/etc/made")" = "$base" ]
	# and the image's layer is untouched
	[ "$(stat -c %u "$ISO_LAYER/etc/passwd")" = 0 ]
	[ ! -e "$ISO_LAYER/etc/made" ]
}

@test "runtime driver: a pty from the caller becomes /dev/console and the controlling terminal" {
	run timeout 30 "$RT_TRY" -y -s "$BATS_TEST_TMPDIR/st" -l "$ISO_LAYER" -- \
		sh -c '[ -t 0 ] && [ -t 2 ] && echo both; stat -c %t /dev/console; [ "$(cut -d" " -f7 /proc/self/stat)" != 0 ] && echo ctty; exit 4'
	[ "$status" -eq 4 ]
	output=$(echo "$output" | tr -d '\r')
	[ "$(echo "$output" | sed -n 1p)" = both ]
	[ "$(echo "$output" | sed -n 2p)" = 88 ] # a pty (major 136)
	[ "$(echo "$output" | sed -n 3p)" = ctty ]
}

@test "runtime driver: symlinks in the image at /etc/hosts, /etc/resolv.conf and a -v target stay in the root" {
	local top="$BATS_TEST_TMPDIR/top" x="vmkit-escape-$$-$RANDOM"
	mkdir -p "$top/etc"
	ln -s "../../../../../../../../../../../../../../../../tmp/$x.hosts" "$top/etc/hosts"
	ln -s "/tmp/$x.resolv" "$top/etc/resolv.conf"
	ln -s "/tmp/$x.bind" "$top/etc/bound"
	echo bound >"$BATS_TEST_TMPDIR/file"
	run timeout 30 "$RT_TRY" -s "$BATS_TEST_TMPDIR/st" -l "$ISO_LAYER" -l "$top" -h linkhost \
		-v "$BATS_TEST_TMPDIR/file:/etc/bound" -- \
		sh -c 'grep -c linkhost /etc/hostname; grep -c localhost /etc/hosts; [ -f /etc/resolv.conf ] && echo resolv; cat /etc/bound'
	local leaked=0
	for f in "/tmp/$x.hosts" "/tmp/$x.resolv" "/tmp/$x.bind"; do
		[ ! -e "$f" ] || leaked=1
		rm -f "$f"
	done
	[ "$leaked" = 0 ]
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" -ge 1 ]
	[ "${lines[2]}" = resolv ]
	[ "${lines[3]}" = bound ]
}

@test "runtime driver: a symlink or a file at /proc, /sys or /dev in the image is refused" {
	local d before after
	before=$(host_mounts)
	for d in proc sys dev; do
		rm -rf "$BATS_TEST_TMPDIR/top" "$BATS_TEST_TMPDIR/st"
		mkdir -p "$BATS_TEST_TMPDIR/top"
		ln -s / "$BATS_TEST_TMPDIR/top/$d"
		run timeout 30 "$RT_TRY" -s "$BATS_TEST_TMPDIR/st" -l "$ISO_LAYER" -l "$BATS_TEST_TMPDIR/top" -- true
		[ "$status" -ne 0 ] && [ "$status" -ne 126 ] && [ "$status" -ne 127 ]
		[ "$output" = "rt_try: mount /$d: the image has a symlink there, not a directory" ]
	done
	rm -rf "$BATS_TEST_TMPDIR/top" "$BATS_TEST_TMPDIR/st"
	mkdir -p "$BATS_TEST_TMPDIR/top"
	touch "$BATS_TEST_TMPDIR/top/proc"
	run timeout 30 "$RT_TRY" -s "$BATS_TEST_TMPDIR/st" -l "$ISO_LAYER" -l "$BATS_TEST_TMPDIR/top" -- true
	[ "$status" -ne 0 ]
	[ "$output" = "rt_try: mount /proc: the image has a file there, not a directory" ]
	after=$(host_mounts)
	[ "$before" = "$after" ]
}

# The kernel clears the parent-death signal when the ids change: the
# runtime must set it again, or the container outlives its monitor.
@test "runtime driver: with -u 1000 or a user namespace the container dies with its parent" {
	local opt drv c cg i gone
	for opt in "-u 1000" -U; do
		# shellcheck disable=SC2086 # $opt is one or two words
		"$RT_TRY" -s "$BATS_TEST_TMPDIR/st.${opt// /}" -l "$ISO_LAYER" $opt -- sleep 30 3>&- &
		drv=$!
		c=
		for i in $(seq 1 200); do
			c=$(awk '{ print $1 }' "/proc/$drv/task/$drv/children" 2>/dev/null)
			[ -n "$c" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = sleep ] && break
			sleep 0.05
		done
		[ "$(cat "/proc/$c/comm")" = sleep ]
		cg=$(grep -o 'vmkit/[^/]*$' "/proc/$c/cgroup" | head -1)
		kill -9 "$drv"
		wait "$drv" || true
		gone=0
		for i in $(seq 1 20); do
			if [ ! -e "/proc/$c" ] || grep -q '^State:.*Z' "/proc/$c/status" 2>/dev/null; then
				gone=1
				break
			fi
			sleep 0.05
		done
		# clean up what the killed driver could not
		kill -9 "$c" 2>/dev/null || true
		sleep 0.1
		for i in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
			[ -z "$cg" ] || [ ! -d "$i" ] || rmdir "$i"
		done
		echo "$opt: gone=$gone"
		[ "$gone" = 1 ]
	done
}
