#!/usr/bin/env bats
# cli.bats - command-line conventions every vmkit command keeps.
load helpers

@test "--help lists the command groups" {
	run "$VMKIT" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: vmkit"* ]]
	[[ "$output" == *"info"* ]]
	[[ "$output" == *"vm run"* ]]
	[[ "$output" == *"Containers"* ]]
}

@test "--version prints a version" {
	run "$VMKIT" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^vmkit\ [0-9a-z] ]]
}

@test "no command is a usage error" {
	run "$VMKIT"
	[ "$status" -eq 2 ]
	[[ "$output" == *"vmkit: no command given"* ]]
	[[ "$output" == *"usage: vmkit"* ]]
}

@test "unknown command is rejected with a usage line" {
	run "$VMKIT" frobnicate
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown command 'frobnicate'"* ]]
	[[ "${lines[1]}" == "usage: vmkit "* ]]
}

@test "unknown global option is rejected" {
	run "$VMKIT" --bogus info
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown option '--bogus'" ]]
}

@test "every command answers --help" {
	for cmd in info vm; do
		run "$VMKIT" $cmd --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"usage: vmkit $cmd"* ]]
	done
}

@test "unknown command option is rejected with that command's usage" {
	run "$VMKIT" info --frob
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown option '--frob'" ]]
	[[ "${lines[1]}" == "usage: vmkit info"* ]]
}

@test "errors go to stderr, not stdout" {
	run bash -c "'$VMKIT' frobnicate 2>/dev/null"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
}

@test "long options are matched exactly, never by prefix" {
	# glibc's getopt_long takes any unique prefix: --js was --json,
	# --pid=host was --pids-limit, --priv was --privileged.
	run "$VMKIT" info --js
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown option '--js'" ]]
	run "$VMKIT" run --pid=host busybox
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown option '--pid=host'" ]]
	run "$VMKIT" run --priv busybox
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown option '--priv'" ]]
	run "$VMKIT" vm run --mem 256M --kernel /nonexistent
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown option '--mem'" ]]
	run "$VMKIT" --ro /tmp info
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown option '--ro'" ]]
	run "$VMKIT" pull --tls=false busybox
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unknown option '--tls=false'" ]]
}

@test "a flag takes =true or =false, a short option's argument may follow =" {
	run "$VMKIT" info --json=true
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "{" ]]
	run "$VMKIT" info --json=false
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" != "{" ]]
	run "$VMKIT" info --json=maybe
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: option '--json' takes true or false" ]]
	# -k=FILE is -k FILE, as Docker's -e=K=V is -e K=V
	run "$VMKIT" vm run -k=/nonexistent/kernel
	[ "$status" -ne 0 ]
	[[ "$output" == *"'/nonexistent/kernel'"* || "$output" == *" /nonexistent/kernel:"* ]]
	[[ "$output" != *"=/nonexistent"* ]]
}
