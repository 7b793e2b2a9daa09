#!/usr/bin/env bats
# images.bats - the image store through the CLI: import, images, rmi, save
# (checked with skopeo, an independent OCI reader), load (of our archives,
# skopeo's and docker-save's), shared layers, bad input, an import killed
# halfway and concurrent imports. Each test has its own --root.

load helpers
load images

setup_file() {
	export ROOTFS_TAR="$BATS_FILE_TMPDIR/rootfs.tar"
	"$BATS_TEST_DIRNAME/../fixtures/rootfs.sh" --tar "$ROOTFS_TAR"
}

# The pull test starts a registry; it must not outlive a failed assertion.
teardown() {
	if declare -F stop_registry >/dev/null; then stop_registry; fi
}

@test "import a busybox rootfs; images lists it as docker does" {
	run vk import "$ROOTFS_TAR" busybox
	[ "$status" -eq 0 ]
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	id=${output#sha256:}
	run vk images
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	[[ ${lines[1]} =~ ^busybox\ +latest\ +${id:0:12}\ +(Less\ than\ a\ second|[0-9]+\ seconds?)\ ago\ +[0-9.]+MB$ ]]
	run vk images -q
	[ "$output" = "${id:0:12}" ]
	run vk images --no-trunc busybox
	[[ ${lines[1]} == *"sha256:$id"* ]]
	# the layer is unpacked: the applets and the files rootfs.sh wrote
	layer=$(echo "$BATS_TEST_TMPDIR"/root/images/layers/*)
	[ -x "$layer/bin/busybox" ]
	[ "$(readlink "$layer/bin/sh")" = /bin/busybox ]
	grep -q '^app:x:1000:1000' "$layer/etc/passwd"
	[ "$(stat -c %u:%g "$layer/home/app")" = 1000:1000 ]
	[ "$(stat -c %a "$layer/tmp")" = 1777 ]
	[ "$(stat -c %a "$layer")" = 755 ]
	[ "$(count tmp)" -eq 0 ]
}

@test "import from stdin, gzip and zstd compressed, with a registry name" {
	gzip -c "$ROOTFS_TAR" | vk import - localhost:5000/tools/bb:1.0
	zstd -q -c "$ROOTFS_TAR" | vk import - other
	run vk images
	[[ $output == *"localhost:5000/tools/bb   1.0"* ]]
	[[ $output == *"other                     latest"* ]]
	# the same tar, however compressed: one layer directory
	[ "$(count layers)" -eq 1 ]
}

@test "two images sharing a layer share its directory; rmi removes unshared layers only" {
	mkdir -p "$BATS_TEST_TMPDIR/a/etc" "$BATS_TEST_TMPDIR/b/etc"
	echo a >"$BATS_TEST_TMPDIR/a/etc/which"
	echo b >"$BATS_TEST_TMPDIR/b/etc/which"
	"$MKIMAGE" "$BATS_TEST_TMPDIR/la" rootfs "$BATS_TEST_TMPDIR/a" >/dev/null
	"$MKIMAGE" "$BATS_TEST_TMPDIR/lb" rootfs "$BATS_TEST_TMPDIR/b" >/dev/null
	layout_tar "$BATS_TEST_TMPDIR/la" "$BATS_TEST_TMPDIR/a.tar"
	layout_tar "$BATS_TEST_TMPDIR/lb" "$BATS_TEST_TMPDIR/b.tar"
	# mkimage names the image only "latest": it loads untagged, by ID
	run vk load -i "$BATS_TEST_TMPDIR/a.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image ID: $(config_id "$BATS_TEST_TMPDIR/la")" ]
	vk load -i "$BATS_TEST_TMPDIR/b.tar"
	[ "$(count layers)" -eq 3 ] # rootfs once, a, b
	base=$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/la/index.json")
	ida=$(config_id "$BATS_TEST_TMPDIR/la")
	idb=$(config_id "$BATS_TEST_TMPDIR/lb")
	# both images' bottom layer is the same directory
	rootfs_layer=$(jq -r '.rootfs.diff_ids[0] | sub("sha256:"; "")' \
		"$BATS_TEST_TMPDIR/la/blobs/sha256/${ida#sha256:}")
	[ "$rootfs_layer" = "$(jq -r '.rootfs.diff_ids[0] | sub("sha256:"; "")' \
		"$BATS_TEST_TMPDIR/lb/blobs/sha256/${idb#sha256:}")" ]
	[ -x "$BATS_TEST_TMPDIR/root/images/layers/$rootfs_layer/bin/busybox" ]
	run vk rmi "${ida:7:12}"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted: $ida" ]
	[ "$(count layers)" -eq 2 ]
	[ -d "$BATS_TEST_TMPDIR/root/images/layers/$rootfs_layer" ]
	vk rmi "$idb"
	[ "$(count layers)" -eq 0 ]
	[ "$(count blobs/sha256)" -eq 0 ]
	run vk images -q
	[ -z "$output" ]
	[ -n "$base" ]
}

@test "rmi of one name keeps the image under its others; rmi by ID needs -f then" {
	vk import "$ROOTFS_TAR" one
	id=$(vk images -q)
	run vk rmi "$id"
	[ "$status" -eq 0 ]
	vk import "$ROOTFS_TAR" one >/dev/null
	# a second name for the same ID through save/load under another name
	vk save -o "$BATS_TEST_TMPDIR/one.tar" one
	id=$(vk images -q)
	sed_dir="$BATS_TEST_TMPDIR/x"
	mkdir "$sed_dir" && tar -C "$sed_dir" -xf "$BATS_TEST_TMPDIR/one.tar"
	jq '.manifests[0].annotations["io.containerd.image.name"]="docker.io/library/two:latest"' \
		"$sed_dir/index.json" >"$sed_dir/i" && mv "$sed_dir/i" "$sed_dir/index.json"
	tar -C "$sed_dir" -cf "$BATS_TEST_TMPDIR/two.tar" .
	run vk load -i "$BATS_TEST_TMPDIR/two.tar"
	[ "$output" = "Loaded image: two:latest" ]
	[ "$(vk images | grep -c "$id")" -eq 2 ]
	run vk rmi "$id"
	one_error_line
	[[ $output == *"must be forced"* ]]
	run vk rmi one
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: one:latest" ]
	[ "$(count layers)" -eq 1 ]
	run vk rmi -f two
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Untagged: two:latest" ]
	[[ ${lines[1]} == "Deleted: sha256:$id"* ]]
	[ "$(count layers)" -eq 0 ]
}

@test "save writes an OCI archive skopeo reads; rmi; load gives the same ID" {
	vk import "$ROOTFS_TAR" busybox:1
	id=$(vk images -q --no-trunc)
	run vk save -o "$BATS_TEST_TMPDIR/bb.tar" busybox:1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	tar -tf "$BATS_TEST_TMPDIR/bb.tar" | grep -qx oci-layout
	tar -xOf "$BATS_TEST_TMPDIR/bb.tar" index.json |
		jq -e '.manifests[0].annotations["org.opencontainers.image.ref.name"] == "docker.io/library/busybox:1"'
	tar -xOf "$BATS_TEST_TMPDIR/bb.tar" manifest.json | jq -e '.[0].RepoTags == ["busybox:1"]'
	run skopeo inspect "oci-archive:$BATS_TEST_TMPDIR/bb.tar"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.Architecture == "amd64" and .Os == "linux" and (.Layers | length) == 1'
	run skopeo inspect --config "oci-archive:$BATS_TEST_TMPDIR/bb.tar"
	echo "$output" | jq -e '.rootfs.diff_ids | length == 1'
	skopeo copy -q "oci-archive:$BATS_TEST_TMPDIR/bb.tar" "oci:$BATS_TEST_TMPDIR/copy"
	[ "$(config_id "$BATS_TEST_TMPDIR/copy")" = "$id" ]
	vk rmi busybox:1
	[ "$(count layers)" -eq 0 ]
	run vk load <"$BATS_TEST_TMPDIR/bb.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:1" ]
	vk save busybox:1 | cmp - "$BATS_TEST_TMPDIR/bb.tar" # stdout, and reproducible
	[ "$(vk images -q --no-trunc)" = "$id" ]
	[ -x "$BATS_TEST_TMPDIR"/root/images/layers/*/bin/busybox ]
}

@test "load an archive skopeo wrote from a multi-layer layout (whiteouts, opaque dirs, links)" {
	"$MKIMAGE" --sample multilayer "$BATS_TEST_TMPDIR/ml" >/dev/null
	skopeo copy -q "oci:$BATS_TEST_TMPDIR/ml" "oci-archive:$BATS_TEST_TMPDIR/ml.tar:localhost/sample/ml:2"
	run vk load -i "$BATS_TEST_TMPDIR/ml.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/sample/ml:2" ]
	run vk images --no-trunc localhost/sample/ml
	[[ ${lines[1]} == *"$(config_id "$BATS_TEST_TMPDIR/ml")"* ]]
	[ "$(count layers)" -eq 3 ]
	# the merged view is what the layers mean, checked through overlayfs
	lower=$(jq -r '.rootfs.diff_ids | reverse | map("'"$BATS_TEST_TMPDIR"'/root/images/layers/" + sub("sha256:"; "")) | join(":")' \
		"$BATS_TEST_TMPDIR/ml/blobs/sha256/$(config_id "$BATS_TEST_TMPDIR/ml" | cut -c8-)")
	mkdir "$BATS_TEST_TMPDIR/merged"
	mount -t overlay overlay -o "lowerdir=$lower" "$BATS_TEST_TMPDIR/merged"
	status=0
	(cd "$BATS_TEST_TMPDIR/merged" && sha256sum -c --quiet "$BATS_TEST_TMPDIR/ml.sha256") || status=$?
	[ -e "$BATS_TEST_TMPDIR/merged/data/gone.txt" ] && status=2
	[ -e "$BATS_TEST_TMPDIR/merged/data/olddir/a" ] && status=3
	[ "$(readlink "$BATS_TEST_TMPDIR/merged/data/link")" = hello.txt ] || status=4
	umount "$BATS_TEST_TMPDIR/merged"
	[ "$status" -eq 0 ]
}

@test "load a docker-save style tarball (manifest.json only)" {
	"$MKIMAGE" "$BATS_TEST_TMPDIR/l" rootfs >/dev/null
	d="$BATS_TEST_TMPDIR/ds"
	mkdir -p "$d"
	cfg=$(config_id "$BATS_TEST_TMPDIR/l" | cut -c8-)
	cp "$BATS_TEST_TMPDIR/l/blobs/sha256/$cfg" "$d/$cfg.json"
	layer=$(jq -r '.rootfs.diff_ids[0] | sub("sha256:"; "")' "$d/$cfg.json")
	mkdir "$d/$layer"
	cp "$BATS_TEST_TMPDIR/l/blobs/sha256/$layer" "$d/$layer/layer.tar"
	jq -n --arg c "$cfg.json" --arg l "$layer/layer.tar" \
		'[{Config:$c, RepoTags:["dsave:3"], Layers:[$l]}]' >"$d/manifest.json"
	tar -C "$d" -cf "$BATS_TEST_TMPDIR/ds.tar" .
	run vk load -i "$BATS_TEST_TMPDIR/ds.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: dsave:3" ]
	[ "$(vk images -q --no-trunc)" = "sha256:$cfg" ]
}

@test "bad input: one clear line, status 1, store unchanged" {
	vk import "$ROOTFS_TAR" keep
	before=$(store_snapshot)

	run vk import "$BATS_TEST_TMPDIR/missing.tar" x
	one_error_line
	[[ $output == *"No such file or directory"* ]]

	head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/junk.tar"
	run vk import "$BATS_TEST_TMPDIR/junk.tar" x
	one_error_line

	gzip -c "$ROOTFS_TAR" | head -c 300000 >"$BATS_TEST_TMPDIR/cut.tar.gz"
	run vk import "$BATS_TEST_TMPDIR/cut.tar.gz" x
	one_error_line

	run vk import "$ROOTFS_TAR" "Bad/Name"
	one_error_line
	[[ $output == *"invalid reference format"* ]]
	run vk import "$ROOTFS_TAR" "a:b:c"
	one_error_line

	run vk rmi nosuch
	one_error_line
	[ "$output" = "vmkit: rmi: No such image: nosuch" ]

	run vk save -o "$BATS_TEST_TMPDIR/out.tar" nosuch
	one_error_line
	[ ! -e "$BATS_TEST_TMPDIR/out.tar" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR" | grep out.tar)" ]

	run vk load -i "$BATS_TEST_TMPDIR/junk.tar"
	one_error_line
	run vk load -i "$ROOTFS_TAR"
	one_error_line
	[[ $output == *"not an image archive"* ]]
	[ "$(store_snapshot)" = "$before" ]
	[ "$(count tmp)" -eq 0 ]

	# an archive whose layer does not match its digest
	vk save -o "$BATS_TEST_TMPDIR/keep.tar" keep
	mkdir "$BATS_TEST_TMPDIR/k" && tar -C "$BATS_TEST_TMPDIR/k" -xf "$BATS_TEST_TMPDIR/keep.tar"
	big=$(ls -S "$BATS_TEST_TMPDIR/k/blobs/sha256" | head -1)
	printf 'X' | dd of="$BATS_TEST_TMPDIR/k/blobs/sha256/$big" bs=1 seek=600 conv=notrunc 2>/dev/null
	tar -C "$BATS_TEST_TMPDIR/k" -cf "$BATS_TEST_TMPDIR/bad.tar" .
	vk rmi keep >/dev/null
	vk import "$ROOTFS_TAR" keep >/dev/null || true
	before=$(store_snapshot)
	run vk load -i "$BATS_TEST_TMPDIR/bad.tar"
	one_error_line
	[[ $output == *"digest mismatch"* ]]

	run vk images nosuch
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(store_snapshot)" = "$before" ]
	[ "$(count tmp)" -eq 0 ]
}

@test "usage errors exit 2" {
	run vk import
	[ "$status" -eq 2 ]
	run vk save -o "$BATS_TEST_TMPDIR/x.tar"
	[ "$status" -eq 2 ]
	[ ! -e "$BATS_TEST_TMPDIR/x.tar" ]
	run vk rmi
	[ "$status" -eq 2 ]
	run vk images --bogus
	[ "$status" -eq 2 ]
	run vk pull
	[ "$status" -eq 2 ]
	run vk pull --tls-verify=maybe x
	[ "$status" -eq 2 ]
}

@test "an import killed halfway leaves the store usable" {
	vk import "$ROOTFS_TAR" keep >/dev/null
	before=$(store_snapshot)
	fifo="$BATS_TEST_TMPDIR/fifo"
	mkfifo "$fifo"
	# vmkit itself, not a shell function in a subshell: $! must be the
	# process the kill ends (vmkit execs vmkit-xfer in the same process),
	# or the import lives on, sees EOF and cleans up after itself.
	"$VMKIT" --root "$BATS_TEST_TMPDIR/root" import "$fifo" half 3>&- &
	pid=$!
	exec 4>"$fifo"
	head -c 1000000 "$ROOTFS_TAR" >&4
	# wait until the import is unpacking into its staging directory; it
	# blocks on the FIFO for the rest, so it cannot finish meanwhile
	staged=0
	for _ in $(seq 600); do
		[ "$(find "$BATS_TEST_TMPDIR/root/images/tmp" -mindepth 2 -name 'layer-*' | wc -l)" -gt 0 ] &&
			{ staged=1; break; }
		sleep 0.05
	done
	[ "$staged" -eq 1 ]
	kill -9 "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 137 ] # killed, not ended on its own
	exec 4>&-
	[ "$(count tmp)" -eq 1 ] # left behind, invisible to images
	run vk images
	[ "$status" -eq 0 ]
	[[ $output != *half* ]]
	[ "$(count layers)" -eq 1 ]
	# the next command cleans up; importing again works
	run vk import "$ROOTFS_TAR" half
	[ "$status" -eq 0 ]
	[ "$(count tmp)" -eq 0 ]
	run vk images
	[[ $output == *half* ]]
	[[ $output == *keep* ]]
}

@test "concurrent imports both land" {
	gzip -c "$ROOTFS_TAR" >"$BATS_TEST_TMPDIR/r.tgz"
	mkdir -p "$BATS_TEST_TMPDIR/extra/etc"
	echo x >"$BATS_TEST_TMPDIR/extra/etc/x"
	tar -C "$BATS_TEST_TMPDIR/extra" -cf "$BATS_TEST_TMPDIR/x.tar" .
	for i in 1 2 3 4; do
		vk import "$ROOTFS_TAR" "same$i" >/dev/null &
	done
	vk import "$BATS_TEST_TMPDIR/r.tgz" gz >/dev/null &
	vk import "$BATS_TEST_TMPDIR/x.tar" other >/dev/null &
	wait
	run vk images
	[ "$status" -eq 0 ]
	for n in same1 same2 same3 same4 gz other; do
		[[ $output == *"$n "* ]] || { echo "missing $n"; false; }
	done
	[ "$(count layers)" -eq 2 ]
	[ "$(count tmp)" -eq 0 ]
	jq -e '.images | length >= 2' "$BATS_TEST_TMPDIR/root/images/index.json"
}

@test "pull draws per-layer progress in place on a terminal, plain lines otherwise" {
	load registry
	start_registry
	"$MKIMAGE" "$BATS_TEST_TMPDIR/l" rootfs "$BATS_TEST_DIRNAME/../fixtures" >/dev/null
	push_image "$BATS_TEST_TMPDIR/l" progress:1
	run script -qec "$VMKIT --root $BATS_TEST_TMPDIR/root pull $REGISTRY/progress:1" /dev/null
	[ "$status" -eq 0 ] || { stop_registry; false; }
	[[ $output == *$'\e[2K'* ]]             # lines redrawn in place
	[[ $output == *$'\e[2A'* ]]             # two layers: back up over both
	[[ $output == *"Pull complete"* ]]
	[[ $output == *"Status: Downloaded newer image for $REGISTRY/progress:1"* ]]
	name=$REGISTRY/progress:1
	vk rmi "$name" >/dev/null
	run vk pull "$name"
	stop_registry
	[ "$status" -eq 0 ]
	[[ $output != *$'\e'* ]]
	[ "${lines[0]}" = "1: Pulling from progress" ]
	[[ ${lines[1]} =~ ^[0-9a-f]{12}:\ Pull\ complete$ ]]
	[[ ${lines[3]} =~ ^Digest:\ sha256:[0-9a-f]{64}$ ]]
	[ "${lines[5]}" = "$name" ]
}

@test "load: a new blob for a layer the store has must still unpack to its diff_id" {
	vk import "$ROOTFS_TAR" keep >/dev/null
	vk save -o "$BATS_TEST_TMPDIR/keep.tar" keep
	mkdir "$BATS_TEST_TMPDIR/k" && tar -C "$BATS_TEST_TMPDIR/k" -xf "$BATS_TEST_TMPDIR/keep.tar"
	swap_layer "$BATS_TEST_TMPDIR/k"
	tar -C "$BATS_TEST_TMPDIR/k" -cf "$BATS_TEST_TMPDIR/swapped.tar" .
	before=$(store_snapshot)
	run vk load -i "$BATS_TEST_TMPDIR/swapped.tar"
	one_error_line
	[[ $output == *"diff_id mismatch"* ]]
	[ "$(store_snapshot)" = "$before" ]
}
