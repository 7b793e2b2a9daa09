# images.bash - helpers for images.bats: a store per test under
# $BATS_TEST_TMPDIR/root, a snapshot of it to prove a failure changed
# nothing, and OCI layouts built with tests/fixtures/mkimage.sh.

MKIMAGE="$BATS_TEST_DIRNAME/../fixtures/mkimage.sh"

# vk ARGS...: vmkit with this test's store.
vk() {
	"$VMKIT" --root "$BATS_TEST_TMPDIR/root" "$@"
}

# store_snapshot: a digest of every name, mode and content in the store
# (the lock file aside), to compare before and after a failed command.
store_snapshot() {
	local d="$BATS_TEST_TMPDIR/root/images"
	[ -d "$d" ] || { echo empty; return; }
	(cd "$d" && find . ! -path ./lock -printf '%p %m %s\n' | sort && cat index.json 2>/dev/null) | sha256sum
}

# count DIR: entries of ROOT/images/DIR.
count() {
	find "$BATS_TEST_TMPDIR/root/images/$1" -mindepth 1 -maxdepth 1 | wc -l
}

# one_error_line: $output is a single "vmkit: ..." line and $status is 1.
one_error_line() {
	[ "$status" -eq 1 ] || { echo "status $status, expected 1: $output"; return 1; }
	[ "${#lines[@]}" -eq 1 ] || { echo "expected one line, got: $output"; return 1; }
	[[ ${lines[0]} == "vmkit: "* ]] || { echo "not a vmkit error: $output"; return 1; }
}

# layout_tar LAYOUT FILE: an OCI layout directory as an archive (plain tar).
layout_tar() {
	tar -C "$1" -cf "$2" .
}

# config_id LAYOUT: the image ID (config digest) of a one-image layout.
config_id() {
	local m
	m=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$1/index.json")
	jq -r .config.digest "$1/blobs/sha256/$m"
}
