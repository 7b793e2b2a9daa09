#!/usr/bin/env bats
# containers.bats - the container life cycle as a Docker user sees it: run,
# ps, start, stop, restart, kill, attach (through a real pty), logs, exec,
# rm, inspect, and what a killed monitor leaves. Each test has its own
# --root with the busybox image imported; --network none throughout.
bats_require_minimum_version 1.5.0
load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }
teardown() { containers_teardown; }

@test "run in the foreground: output, and the command's status" {
	run vmk run --network none busybox sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[[ "$output" == *out* ]]
	[[ "$output" == *err* ]]
	run vmk ps -a
	[[ "$output" == *"Exited (3)"* ]]
}

@test "run -i passes stdin through and closes it at its end" {
	run bash -c "printf 'a\nb\n' | '$VMKIT' --root '$R' run -i --rm --network none busybox wc -l"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr -d ' ')" = 2 ]
}

@test "run -i streams megabytes both ways, binary and in any order, without deadlock" {
	head -c 8000000 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	want=$(md5sum <"$BATS_TEST_TMPDIR/in")
	# Binary stdin may hold ctrl-p ctrl-q: detach keys are a terminal's.
	got=$(timeout -k 1 30 "$VMKIT" --root "$R" run -i --rm --network none busybox cat \
		<"$BATS_TEST_TMPDIR/in" | md5sum)
	[ "$got" = "$want" ]
	# Writes megabytes before it reads its stdin.
	got=$(timeout -k 1 30 "$VMKIT" --root "$R" run -i --rm --network none busybox \
		sh -c 'head -c 5000000 /dev/zero; cat >/dev/null; echo done' \
		<"$BATS_TEST_TMPDIR/in" | tail -c 5)
	[ "$got" = done ]
}

@test "run -d, ps, stop, start keep the container's files; restart keeps them too" {
	id=$(vmk run -d --name keep --network none busybox sh -c 'echo $$ >/tmp/started; while :; do sleep 0.1; done')
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	run vmk ps
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "CONTAINER ID"*IMAGE*COMMAND*CREATED*STATUS*PORTS*NAMES ]]
	[[ "${lines[1]}" == "${id:0:12}"*busybox*Up*keep ]]
	vmk exec keep sh -c 'echo kept >/data.txt'
	run vmk stop -t 1 keep
	[ "$status" -eq 0 ]
	[ "$output" = keep ]
	run vmk ps
	[ "${#lines[@]}" -eq 1 ]
	run vmk ps -a
	[[ "${lines[1]}" == *"Exited (137)"*keep ]]
	run vmk start keep
	[ "$status" -eq 0 ]
	[ "$(vmk exec keep cat /data.txt)" = kept ]
	run vmk restart -t 0 keep
	[ "$status" -eq 0 ]
	[ "$(vmk exec keep cat /data.txt)" = kept ]
	[ "$(cstate "$id" Status)" = running ]
}

@test "run --rm leaves no directory, name, socket, mount or cgroup" {
	run vmk run --rm --name gone --network none --memory 64m busybox sh -c 'echo bye'
	[ "$status" -eq 0 ]
	[ "$output" = bye ]
	assert_no_leftovers
	id=$(vmk run -d --rm --network none --pids-limit 20 busybox sleep 30)
	[ -d "$R/containers/$id" ]
	vmk stop -t 0 "$id"
	assert_no_leftovers "$id"
	run -127 vmk run --rm --network none busybox nosuchcommand
	[ "$status" -eq 127 ]
	assert_no_leftovers
}

@test "run -it on a pty: a shell that takes input and exits with its status" {
	run "$PTYRUN" -e '# ' -s 'echo $((6*7))\r' -e 42 -s 'exit 5\r' -- \
		"$VMKIT" --root "$R" run -it --rm --network none busybox sh
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *42* ]]
}

@test "attach and detach with ctrl-p ctrl-q, then attach again" {
	run "$PTYRUN" -e '# ' -s 'echo $((6*7))\r' -e 42 -s '\x10\x11' -- \
		"$VMKIT" --root "$R" run -it --name tty1 --network none busybox sh
	echo "$output"
	[ "$status" -eq 0 ]
	run vmk ps
	[[ "$output" == *Up*tty1* ]]
	run "$PTYRUN" -s '\r' -e '# ' -s 'echo $((7*7))\r' -e 49 -s '\x10\x11' -- "$VMKIT" --root "$R" attach tty1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(vmk ps)" == *Up*tty1* ]]
	# Other detach keys; then leave the shell for good.
	run "$PTYRUN" -s '\r' -e '# ' -s 'echo $((8*8))\r' -e 64 -s '\x01x' -- \
		"$VMKIT" --root "$R" attach --detach-keys ctrl-a,x tty1
	[ "$status" -eq 0 ]
	[[ "$(vmk ps)" == *Up*tty1* ]]
	run "$PTYRUN" -s '\r' -e '# ' -s 'exit 4\r' -- "$VMKIT" --root "$R" attach tty1
	[ "$status" -eq 4 ]
	[[ "$(vmk ps -a)" == *"Exited (4)"*tty1* ]]
}

@test "logs: both streams, --tail, -t, -f" {
	run vmk run --name lg --network none busybox sh -c 'echo one; echo two >&2; printf "three\nfour"'
	[ "$status" -eq 0 ]
	run vmk logs lg
	[ "${lines[0]}" = one ]
	[[ "$output" == *two* ]]
	[[ "$output" == *four* ]]
	[ "$(vmk logs lg 2>/dev/null | tr '\n' ,)" = "one,three,four" ]
	[ "$(vmk logs lg 2>&1 >/dev/null)" = two ]
	vmk run --name lg2 --network none busybox sh -c 'echo one; echo two; echo three'
	[ "$(vmk logs --tail 2 lg2 | tr '\n' ,)" = "two,three," ]
	run vmk logs -t --tail 1 lg2
	[[ "$output" =~ ^20[0-9-]+T[0-9:.]+Z\ three$ ]]
	id=$(vmk run -d --network none busybox sh -c 'echo a; sleep 0.3; echo b')
	run timeout 10 "$VMKIT" --root "$R" logs -f "$id"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nb')" ]
}

@test "exec: runs in the container, with its status, -e -w -u" {
	vmk run -d --name ex --network none -e FOO=bar busybox sleep 30
	run vmk exec ex sh -c 'echo $FOO; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = bar ]
	[ "$(vmk exec -e FOO=baz -w /tmp ex sh -c 'echo $FOO $(pwd)')" = "baz /tmp" ]
	[ "$(vmk exec -u 1000 ex id -u)" = 1000 ]
	[ "$(echo hi | vmk exec -i ex cat)" = hi ]
	run -127 vmk exec ex nosuchcommand
	[ "$status" -eq 127 ]
	vmk stop -t 0 ex
	run vmk exec ex true
	[ "$status" -eq 1 ]
	[[ "$output" == *"not running"* ]]
}

@test "kill -s sends signals by name and number" {
	vmk run -d --name kl --network none busybox sh -c 'trap "echo got-usr1" USR1; while :; do sleep 0.1; done'
	run vmk kill -s USR1 kl
	[ "$status" -eq 0 ]
	wait_for sh -c "'$VMKIT' --root '$R' logs kl | grep -q got-usr1"
	run vmk kill -s SIGBOGUS kl
	[ "$status" -eq 2 ]
	run vmk kill -s 9 kl
	[ "$status" -eq 0 ]
	wait_for sh -c "'$VMKIT' --root '$R' ps -a | grep -q 'Exited (137)'"
	run vmk kill kl
	[ "$status" -eq 1 ]
}

@test "stop: a container that ignores SIGTERM is killed after -t; one that traps it exits" {
	vmk run -d --name deaf --network none busybox sh -c 'trap "" TERM; while :; do sleep 0.1; done'
	start=$(date +%s%N)
	run vmk stop -t 1 deaf
	[ "$status" -eq 0 ]
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]
	[ "$(vmk inspect deaf | jq -r '.[0].State.ExitCode')" = 137 ]
	vmk run -d --name polite --network none busybox sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	run vmk stop polite
	[ "$status" -eq 0 ]
	[ "$(vmk inspect polite | jq -r '.[0].State.ExitCode')" = 0 ]
}

@test "rm refuses a running container; rm -f kills and removes it" {
	id=$(vmk run -d --name busy --network none busybox sleep 30)
	run vmk rm busy
	[ "$status" -eq 1 ]
	[[ "$output" == *running* ]]
	[ -d "$R/containers/$id" ]
	pid=$(cstate "$id" Pid)
	run vmk rm -f busy
	[ "$status" -eq 0 ]
	[ "$output" = busy ]
	! kill -0 "$pid" 2>/dev/null
	assert_no_leftovers "$id"
}

@test "inspect: a container's fields, and an image's layers" {
	id=$(vmk run -d --name insp --network none -e A=1 --memory 64m --cpus 0.5 --pids-limit 50 \
		--restart on-failure:3 -v "$BATS_TEST_TMPDIR:/host:ro" -w /tmp --hostname hh \
		busybox sleep 30)
	run vmk inspect insp
	[ "$status" -eq 0 ]
	j=$output
	[ "$(jq -r '.[0].Id' <<<"$j")" = "$id" ]
	[ "$(jq -r '.[0].Name' <<<"$j")" = /insp ]
	[ "$(jq -r '.[0].State.Status' <<<"$j")" = running ]
	[ "$(jq -r '.[0].State.Running' <<<"$j")" = true ]
	[ "$(jq -r '.[0].State.Pid' <<<"$j")" -gt 1 ]
	[ "$(jq -r '.[0].Config.Cmd | join(" ")' <<<"$j")" = "sleep 30" ]
	[ "$(jq -r '.[0].Config.Env | index("A=1") != null' <<<"$j")" = true ]
	[ "$(jq -r '.[0].Config.WorkingDir' <<<"$j")" = /tmp ]
	[ "$(jq -r '.[0].Config.Hostname' <<<"$j")" = hh ]
	[ "$(jq -r '.[0].HostConfig.Memory' <<<"$j")" = 67108864 ]
	[ "$(jq -r '.[0].HostConfig.NanoCpus' <<<"$j")" = 500000000 ]
	[ "$(jq -r '.[0].HostConfig.PidsLimit' <<<"$j")" = 50 ]
	[ "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$j")" = none ]
	[ "$(jq -r '.[0].HostConfig.RestartPolicy.Name' <<<"$j")" = on-failure ]
	[ "$(jq -r '.[0].HostConfig.RestartPolicy.MaximumRetryCount' <<<"$j")" = 3 ]
	[ "$(jq -r '.[0].HostConfig.Binds[0]' <<<"$j")" = "$BATS_TEST_TMPDIR:/host:ro" ]
	[ "$(jq -r '.[0].Mounts[0].Destination' <<<"$j")" = /host ]
	[ "$(jq -r '.[0].State.StartedAt' <<<"$j")" != "0001-01-01T00:00:00Z" ]
	# Short ids and unique prefixes work everywhere.
	[ "$(vmk inspect "${id:0:12}" | jq -r '.[0].Id')" = "$id" ]
	[ "$(vmk inspect "${id:0:6}" | jq -r '.[0].Id')" = "$id" ]
	run vmk inspect busybox
	[ "$status" -eq 0 ]
	lower=$(jq -r '.[0].GraphDriver.Data.LowerDir' <<<"$output")
	[ -x "$lower/bin/busybox" ]
	run vmk inspect nosuchthing
	[ "$status" -eq 1 ]
}

@test "a name in use is refused and nothing is created" {
	id=$(vmk run -d --name taken --network none busybox sleep 30)
	run vmk run --name taken --network none busybox true
	[ "$status" -eq 125 ]
	[ "$output" = "vmkit: name taken already in use by container $id" ]
	[ "$(ls "$R/containers" | wc -l)" -eq 1 ]
	vmk rm -f taken
	run vmk run --rm --name taken --network none busybox true
	[ "$status" -eq 0 ]
}

@test "bad -v, -p, -e, --memory, --restart: one line, status 125, nothing created" {
	for args in "-v relative:/x" "-v /a" "-v /a:/b:rx" "-p nope" "-p 70000:80" "-e =x" \
		"--memory lots" "--memory 1k" "--cpus 0" "--restart sometimes" "--name -bad" \
		"--network nowhere"; do
		# shellcheck disable=SC2086
		run vmk run $args busybox true
		echo "$args: $status $output"
		[ "$status" -eq 125 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "vmkit: "* ]]
	done
	run vmk run --network none nosuchimage true
	[ "$status" -eq 125 ]
	[ -z "$(ls -A "$R/containers" 2>/dev/null)" ]
}

@test "a command missing from the image is status 127" {
	run -127 vmk run --network none busybox /no/such/thing
	[ "$status" -eq 127 ]
	[[ "$output" == *"/no/such/thing"* ]]
	run -127 vmk run -d --network none busybox nosuchcommand
	[ "$status" -eq 127 ]
}

@test "killing the monitor with -9 kills the container; ps -a then shows it exited" {
	id=$(vmk run -d --name orphan --network none busybox sleep 300)
	pid=$(cstate "$id" Pid)
	mon=$(cstate "$id" MonitorPid)
	kill -0 "$pid"
	kill -9 "$mon"
	wait_for sh -c "! kill -0 $pid 2>/dev/null"
	run vmk ps -a
	[[ "$output" == *"Exited (137)"*orphan* ]]
	run vmk ps
	[[ "$output" != *orphan* ]]
	[ "$(cstate "$id" Status)" = exited ]
	! find /sys/fs/cgroup -maxdepth 4 -type d -name "$id" | grep -q .
	# And it starts again.
	run vmk start orphan
	[ "$status" -eq 0 ]
	[ "$(cstate "$id" Status)" = running ]
	# An --rm container whose monitor dies is removed by the next look.
	id=$(vmk run -d --rm --network none busybox sleep 300)
	pid=$(cstate "$id" Pid)
	kill -9 "$(cstate "$id" MonitorPid)"
	wait_for sh -c "! kill -0 $pid 2>/dev/null"
	run timeout 10 "$VMKIT" --root "$R" ps -a
	[ "$status" -eq 0 ]
	[[ "$output" != *"${id:0:12}"* ]]
	[ ! -e "$R/containers/$id" ]
}

@test "restart policy on-failure:2 restarts twice, then gives up" {
	id=$(vmk run -d --name flaky --network none --restart on-failure:2 busybox sh -c 'echo run; exit 3')
	wait_for sh -c "[ \"\$(jq -r .Status '$R/containers/$id/state.json')\" = exited ]"
	[ "$(cstate "$id" RestartCount)" = 2 ]
	[ "$(cstate "$id" ExitCode)" = 3 ]
	[ "$(vmk logs flaky | grep -c run)" = 3 ]
	# Success is not a failure: no restart.
	id=$(vmk run -d --network none --restart on-failure busybox true)
	wait_for sh -c "[ \"\$(jq -r .Status '$R/containers/$id/state.json')\" = exited ]"
	[ "$(cstate "$id" RestartCount)" = 0 ]
}

@test "the image's Entrypoint, Cmd, Env, WorkingDir and User apply as docker combines them" {
	layout="$BATS_TEST_TMPDIR/img"
	"$BATS_TEST_DIRNAME/../fixtures/mkimage.sh" --entrypoint '["/bin/sh","-c"]' \
		--cmd '["echo $GREETING from $(pwd) as $(id -u)"]' --env GREETING=hello \
		--workdir /home/app --user 1000 "$layout" rootfs >/dev/null
	jq '.manifests[0].annotations={"org.opencontainers.image.ref.name":"cfgimg:1"}' \
		"$layout/index.json" >"$layout/index.new" && mv "$layout/index.new" "$layout/index.json"
	tar -C "$layout" -cf "$BATS_TEST_TMPDIR/img.tar" .
	vmk load -i "$BATS_TEST_TMPDIR/img.tar"
	[ "$(vmk run --rm --network none cfgimg:1)" = "hello from /home/app as 1000" ]
	# CMD args replace Cmd and go to the entrypoint.
	[ "$(vmk run --rm --network none cfgimg:1 'echo replaced')" = replaced ]
	# --entrypoint replaces the entrypoint and drops the image's Cmd.
	[ "$(vmk run --rm --network none --entrypoint /bin/echo cfgimg:1 a b)" = "a b" ]
	[ "$(vmk run --rm --network none -u 0 -w /tmp -e GREETING=hi cfgimg:1)" = "hi from /tmp as 0" ]
	printf '# comment\nGREETING=from-file\n\nOTHER=x\n' >"$BATS_TEST_TMPDIR/env"
	[ "$(vmk run --rm --network none --env-file "$BATS_TEST_TMPDIR/env" cfgimg:1)" = \
		"from-file from /home/app as 1000" ]
	# No command anywhere is vmkit's own error.
	run vmk run --rm --network none busybox
	[ "$status" -eq 125 ]
	[[ "$output" == *"no command"* ]]
}

@test "run with the default bridge network and -p shows the port in ps and inspect" {
	id=$(vmk run -d -p 127.0.0.1:18481:80 --name web busybox httpd -f -p 80 -h /etc)
	[[ "$(vmk ps)" == *"127.0.0.1:18481->80/tcp"*web* ]]
	run vmk inspect web
	[ "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$output")" = bridge ]
	[[ "$(jq -r '.[0].NetworkSettings.IPAddress' <<<"$output")" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ "$(jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort' <<<"$output")" = 18481 ]
	vmk rm -f web
	! ip link show | grep -q "vk${id:0:8}"
}

@test "start -a prints the output again and returns the status" {
	run vmk run --name sa --network none busybox sh -c 'echo hi-there; exit 6'
	[ "$status" -eq 6 ]
	run vmk start -a sa
	[ "$status" -eq 6 ]
	[ "$output" = hi-there ]
	[ "$(vmk logs sa | grep -c hi-there)" = 2 ]
	run vmk start -a nosuch
	[ "$status" -eq 1 ]
}

@test "exec -it runs a shell on its own pty" {
	vmk run -d --name exi --network none busybox sleep 30
	run "$PTYRUN" -e '# ' -s 'echo $((5*5)); exit 7\r' -- "$VMKIT" --root "$R" exec -it exi sh
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *25* ]]
}

@test "stop during a restart back-off keeps it stopped; restart always comes back" {
	id=$(vmk run -d --name again --network none --restart always busybox sh -c 'sleep 0.2; exit 1')
	wait_for sh -c "[ \"\$(jq -r .RestartCount '$R/containers/$id/state.json')\" -ge 1 ]"
	run vmk stop -t 0 again
	[ "$status" -eq 0 ]
	[ "$(cstate "$id" Status)" = exited ]
	[ "$(cstate "$id" StoppedByUser)" = true ]
	n=$(cstate "$id" RestartCount)
	sleep 0.5
	[ "$(cstate "$id" RestartCount)" = "$n" ]
	[ "$(cstate "$id" Status)" = exited ]
}

@test "a container killed by its memory limit is status 137 with OOMKilled" {
	run vmk run --name oom --network none --memory 16m busybox sh -c 'exec tail /dev/zero'
	[ "$status" -eq 137 ]
	run vmk inspect oom
	[ "$(jq -r '.[0].State.ExitCode' <<<"$output")" = 137 ]
	[ "$(jq -r '.[0].State.OOMKilled' <<<"$output")" = true ]
	[[ "$(vmk ps -a)" == *"Exited (137)"*oom* ]]
}

# A client of the monitor that connects and sends the first 4 bytes of a
# frame header, then stays connected (for as long as it is not killed).
half_frame_client() {
	python3 -c '
import os, socket, sys, time
d = os.open(sys.argv[1], os.O_PATH)
s = socket.socket(socket.AF_UNIX)
s.connect("/proc/self/fd/%d/attach.sock" % d)
s.send(b"\x01\x00\x00\x00")
time.sleep(60)' "$R/containers/$1" >/dev/null 3>&- &
	echo $!
}

@test "a client that stops reading or sends half a frame does not stall stop" {
	id=$(vmk run -d --name chatty --network none busybox sh -c 'while :; do echo hello; done')
	hpid=$(half_frame_client "$id")
	vmk attach --no-stdin chatty >/dev/null 3>&- &
	apid=$!
	sleep 0.3
	kill -STOP "$apid"
	sleep 0.3 # its socket fills
	run timeout 5 "$VMKIT" --root "$R" stop -t 0 chatty
	kill -KILL "$apid" "$hpid" || true
	[ "$status" -eq 0 ]
	[ "$(cstate "$id" Status)" = exited ]
}

@test "stop works with more than 32 clients attached" {
	id=$(vmk run -d --name crowd --network none busybox sleep 100)
	for _ in $(seq 34); do vmk attach --no-stdin crowd >/dev/null 2>&1 3>&- & done
	mpid=$(cstate "$id" MonitorPid)
	wait_for sh -c "[ \$(ls -l /proc/$mpid/fd | grep -c socket:) -ge 35 ]"
	run vmk stop -t 0 crowd
	[ "$status" -eq 0 ]
	[ "$(cstate "$id" Status)" = exited ]
	wait
}

@test "a start that waited out another start's run does not run it again" {
	id=$(vmk run -d --name two --network none busybox true)
	wait_for sh -c "[ \"\$(jq -r .Status '$R/containers/$id/state.json')\" = exited ]"
	# Another start holds the lock, as its monitor does, and its run ends.
	st="$R/containers/$id/state.json"
	flock "$R/containers/$id/lock" sh -c "sleep 0.5; jq '.StartedAt = 42' '$st' >'$st.new'; mv '$st.new' '$st'" 3>&- &
	wait_for sh -c "! flock -n '$R/containers/$id/lock' true"
	run vmk start two
	wait
	[ "$(cstate "$id" StartedAt)" = 42 ]
	[ "$(cstate "$id" Status)" = exited ]
}

@test "rm without -f does not wait for, or remove, a container being started" {
	id=$(vmk run -d --name busy --network none busybox true)
	wait_for sh -c "[ \"\$(jq -r .Status '$R/containers/$id/state.json')\" = exited ]"
	wait_for flock -n "$R/containers/$id/lock" true
	flock -o "$R/containers/$id/lock" sleep 3 3>&- &
	fpid=$!
	wait_for sh -c "! flock -n '$R/containers/$id/lock' true"
	run timeout 2 "$VMKIT" --root "$R" rm busy
	[ "$status" -eq 1 ]
	[[ "$output" == *running* ]]
	kill "$fpid"
	[ -d "$R/containers/$id" ]
}

@test "stop during the restart back-off records the last exit status" {
	id=$(vmk run -d --name three --network none --restart always busybox sh -c 'exit 3')
	wait_for sh -c "[ \"\$(jq -r .RestartCount '$R/containers/$id/state.json')\" -ge 2 ]"
	wait_for sh -c "[ \"\$(jq -r .Status '$R/containers/$id/state.json')\" = restarting ]"
	run vmk stop -t 0 three
	[ "$status" -eq 0 ]
	[ "$(cstate "$id" ExitCode)" = 3 ]
	[[ "$(vmk ps -a)" == *"Exited (3)"*three* ]]
}

@test "kill keeps a restart policy from restarting the container" {
	id=$(vmk run -d --name killed --network none --restart always busybox sleep 100)
	run vmk kill killed
	[ "$status" -eq 0 ]
	wait_for sh -c "[ \"\$(jq -r .Status '$R/containers/$id/state.json')\" = exited ]"
	sleep 0.4
	[ "$(cstate "$id" Status)" = exited ]
	[ "$(cstate "$id" RestartCount)" = 0 ]
	[[ "$(vmk ps -a)" == *"Exited (137)"*killed* ]]
}

@test "a monitor killed while spawning leaves no cgroup behind" {
	id=$(vmk run -d --name spawned --network none busybox true)
	wait_for sh -c "[ \"\$(jq -r .Status '$R/containers/$id/state.json')\" = exited ]"
	wait_for flock -n "$R/containers/$id/lock" true
	# What a monitor killed inside rt__spawn leaves: its mark, a cgroup.
	st="$R/containers/$id/state.json"
	jq '.MonitorPid = 999999' "$st" >"$st.new" && mv "$st.new" "$st"
	mkdir -p "/sys/fs/cgroup/pids/vmkit/$id"
	vmk ps -a >/dev/null
	[ ! -d "/sys/fs/cgroup/pids/vmkit/$id" ] || { rmdir "/sys/fs/cgroup/pids/vmkit/$id"; false; }
	[ "$(cstate "$id" MonitorPid)" = 0 ]
}

@test "logs --tail reads a big log in bounded memory, and keeps split lines whole" {
	id=$(vmk run -d --name biglog --network none busybox true)
	wait_for sh -c "[ \"\$(jq -r .Status '$R/containers/$id/state.json')\" = exited ]"
	log="$R/containers/$id/ctr.log"
	ts=2026-11-26T11:39:21.123456789Z
	printf '%s stdout F small\n' "$ts" >"$log"
	small=$(/usr/bin/time -f %M "$VMKIT" --root "$R" logs --tail 1 biglog 2>&1 >/dev/null)
	yes "$ts stdout F $(printf '%0100d' 0)" | head -n 600000 >"$log"
	printf '%s stdout P ab\n%s stderr F e1\n%s stdout F cd\n%s stdout F x\n' \
		"$ts" "$ts" "$ts" "$ts" >>"$log"
	big=$(/usr/bin/time -f %M "$VMKIT" --root "$R" logs --tail 2 biglog 2>&1 >/dev/null)
	echo "max RSS: $small KiB for a small log, $big KiB for a 60 MB one"
	[ "$big" -lt $((small + 8192)) ]
	[ "$(vmk logs --tail 2 biglog 2>/dev/null | tr '\n' ,)" = "abcd,x," ]
	[ "$(vmk logs --tail 3 biglog 2>&1 >/dev/null)" = e1 ]
}

@test "a name taken by a run still creating its container is refused; a dead run's is free" {
	fake=$(printf '%064d' 7)
	mkdir -p "$R/containers/.tmp-$fake" "$R/names"
	: >"$R/containers/.tmp-$fake/lock"
	ln -s "$fake" "$R/names/making"
	# Its creator alive: it holds the lock.
	flock -o "$R/containers/.tmp-$fake/lock" sleep 5 3>&- &
	fpid=$!
	wait_for sh -c "! flock -n '$R/containers/.tmp-$fake/lock' true"
	run vmk run -d --name making --network none busybox true
	kill "$fpid"
	[ "$status" -ne 0 ]
	[[ "$output" == *"already in use"* ]]
	# Dead: the name is stale, and its directory is swept.
	wait_for flock -n "$R/containers/.tmp-$fake/lock" true
	run vmk run -d --name making --network none busybox true
	[ "$status" -eq 0 ]
	[ ! -e "$R/containers/.tmp-$fake" ]
}

@test "--userns private: root in the container is an unprivileged uid on the host, exec joins it" {
	run vmk run --rm --network none --userns private busybox sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	read -r inside host count <<<"${lines[1]}"
	[ "$inside" = 0 ] && [ "$host" -ge 65536 ] && [ "$count" -ge 1 ]

	vmk run -d --name userns1 --network none --userns private busybox sleep 60 >/dev/null
	pid=$(vmk inspect userns1 | jq -r '.[0].State.Pid')
	[ "$(stat -c %u /proc/$pid)" = "$host" ]
	run vmk exec userns1 cat /proc/self/uid_map
	[ "$status" -eq 0 ]
	[[ "$output" == *" $host "* ]]
	[ "$(vmk inspect userns1 | jq -r '.[0].HostConfig.UsernsMode')" = private ]

	run vmk run --rm --userns bogus busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid --userns"* ]]
}

@test "exec -d, with and without -t: the process outlives the command" {
	vmk run -d --name ex1 --network none busybox sleep 60 >/dev/null
	vmk exec -d ex1 sh -c 'sleep 1; echo plain >/tmp/d1'
	vmk exec -d -t ex1 sh -c 'sleep 1; echo tty >/tmp/d2'
	wait_for vmk exec ex1 test -s /tmp/d2
	wait_for vmk exec ex1 test -s /tmp/d1
	[ "$(vmk exec ex1 cat /tmp/d1)" = plain ]
	[ "$(vmk exec ex1 cat /tmp/d2)" = tty ]
}
