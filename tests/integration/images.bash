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

# swap_layer DIR: in an extracted `vmkit save` archive, replace the layer
# blob by another tar while the config keeps the old diff_id.
swap_layer() {
	local d=$1 m mhex new nhex nsize mnew mnhex
	mhex=$(jq -r '.manifests[0].digest' "$d/index.json" | cut -d: -f2)
	m="$d/blobs/sha256/$mhex"
	mkdir -p "$d/other" && echo other >"$d/other/f"
	tar -C "$d/other" -cf "$d/new.tar" . && rm -rf "$d/other"
	nhex=$(sha256sum "$d/new.tar" | cut -d' ' -f1)
	nsize=$(stat -c %s "$d/new.tar")
	mv "$d/new.tar" "$d/blobs/sha256/$nhex"
	rm -f "$d/blobs/sha256/$(jq -r '.layers[0].digest' "$m" | cut -d: -f2)"
	jq -c --arg dg "sha256:$nhex" --argjson sz "$nsize" \
		'.layers[0].digest=$dg | .layers[0].size=$sz | .layers[0].mediaType="application/vnd.oci.image.layer.v1.tar"' "$m" >"$d/m.json"
	mnhex=$(sha256sum "$d/m.json" | cut -d' ' -f1)
	mv "$d/m.json" "$d/blobs/sha256/$mnhex" && rm -f "$m"
	jq -c --arg dg "sha256:$mnhex" --argjson sz "$(stat -c %s "$d/blobs/sha256/$mnhex")" \
		'.manifests[0].digest=$dg | .manifests[0].size=$sz' "$d/index.json" >"$d/i.json"
	mv "$d/i.json" "$d/index.json"
	jq -c --arg l "blobs/sha256/$nhex" '.[0].Layers=[$l]' "$d/manifest.json" >"$d/mj.json"
	mv "$d/mj.json" "$d/manifest.json"
}
