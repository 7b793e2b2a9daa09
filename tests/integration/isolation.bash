# isolation.bash - helpers for isolation.bats: one image (the busybox root
# filesystem of tests/fixtures/rootfs.sh) and `ctr`, which runs a container
# the way a user does, `vmkit --root R run --rm --network none IMAGE CMD`,
# or, with ISO_DRIVER=1 (or before `vmkit run` exists), through the
# runtime's test driver rt_try with the same options.
: "${VMKIT:=$BATS_TEST_DIRNAME/../../build/vmkit}"
RT_TRY="$(dirname "$VMKIT")/tests/tools/rt_try"
FIXTURES="$BATS_TEST_DIRNAME/../fixtures"

# iso_setup_file: build the image once per file (in BATS_FILE_TMPDIR).
iso_setup_file() {
	[ "$(id -u)" = 0 ] || skip "containers need root"
	export ISO_ROOT="$BATS_FILE_TMPDIR/root"
	export ISO_LAYER="$BATS_FILE_TMPDIR/layer"
	"$FIXTURES/rootfs.sh" "$ISO_LAYER"
	if [ -z "${ISO_DRIVER:-}" ] && iso_have_run; then
		"$FIXTURES/rootfs.sh" --tar "$BATS_FILE_TMPDIR/rootfs.tar"
		"$VMKIT" --root "$ISO_ROOT" import "$BATS_FILE_TMPDIR/rootfs.tar" isotest:1 >/dev/null
		export ISO_MODE=cli
	else
		export ISO_MODE=driver
	fi
}

iso_teardown_file() {
	# Nothing of ours may stay mounted; a leftover would fail rm anyway.
	rm -rf "$BATS_FILE_TMPDIR/root" "$BATS_FILE_TMPDIR/layer" 2>/dev/null || true
}

# vmkit run exists once it no longer says "not implemented".
iso_have_run() {
	! "$VMKIT" --root "$ISO_ROOT" run --rm --network none nosuchimage true 2>&1 | grep -q "not implemented"
}

# ctr [-u U] [-w D] [-v S:D[:ro]] [-e K=V] [--hostname H] [--memory M]
#     [--pids-limit N] [--network MODE] -- CMD [ARG]...
# Sets $status and $output (stdout and stderr) like bats' run.
ctr() {
	local cli=() drv=() net=none
	while [ $# -gt 0 ]; do
		case $1 in
		-u | -w | -v | -e)
			cli+=("$1" "$2")
			drv+=("$1" "$2")
			shift 2
			;;
		--hostname)
			cli+=("$1" "$2")
			drv+=(-h "$2")
			shift 2
			;;
		--memory)
			cli+=("$1" "$2")
			drv+=(-m "$2")
			shift 2
			;;
		--pids-limit)
			cli+=("$1" "$2")
			drv+=(-p "$2")
			shift 2
			;;
		--network)
			net=$2
			shift 2
			;;
		--)
			shift
			break
			;;
		*) break ;;
		esac
	done
	if [ "$ISO_MODE" = cli ]; then
		run timeout 60 "$VMKIT" --root "$ISO_ROOT" run --rm --network "$net" "${cli[@]}" \
			isotest:1 "$@"
	else
		local st="$BATS_TEST_TMPDIR/ctr.$RANDOM"
		run timeout 60 "$RT_TRY" -s "$st" -l "$ISO_LAYER" -n "$net" "${drv[@]}" -- "$@"
		rm -rf "$st"
	fi
}

# The host's mount table without the columns that change on their own
# (ids, and the optional fields), sorted.
host_mounts() {
	awk '{ print $4, $5, $6 }' /proc/self/mountinfo | sort
}
