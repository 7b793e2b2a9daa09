#!/usr/bin/env bats
# pull.bats - the registry client and `vmkit pull` / `login` against Debian's
# docker-registry on 127.0.0.1 (images pushed by skopeo) and fakereg in front
# of it for Bearer auth, redirects and faults. Needs root (overlay mounts).

bats_require_minimum_version 1.5.0

load helpers
load registry

REGCLI="$(dirname "$VMKIT")/tests/tools/regcli"

setup_file() {
	local d=$BATS_FILE_TMPDIR p1 p2
	# Built side by side (fd 3 closed: bats waits for its holders).
	"$MKIMAGE" --sample multilayer "$d/multi" 3>&- &
	p1=$!
	MKIMAGE_SALT=zstd "$MKIMAGE" --sample multilayer "$d/multiz" 3>&- &
	p2=$!
	"$MKIMAGE" --sample multiarch "$d/arch"
	wait $p1
	wait $p2
	start_registry
	push_image "$d/multi" multi:gzip gzip
	push_image "$d/multiz" multi:zstd zstd
	push_image "$d/multi" multi:docker docker
	push_image "$d/arch" arch:latest
}

teardown_file() {
	stop_registry
}

setup() {
	ROOT="$BATS_TEST_TMPDIR/root"
	OWN_REGISTRY=
}

teardown() {
	stop_fakereg
	[ -z "$OWN_REGISTRY" ] || stop_registry
}

vk() {
	"$VMKIT" --root "$ROOT" "$@"
}

# diff_ids LAYOUT [ARCH]: the image's layer IDs (hex), bottom first.
diff_ids() {
	local l=$1 arch=${2:-amd64} top m cfg
	top=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$l/index.json")
	m=$top
	if jq -e '.manifests' "$l/blobs/sha256/$top" >/dev/null; then
		m=$(jq -r --arg a "$arch" '.manifests[] | select(.platform.architecture == $a) | .digest | sub("sha256:"; "")' "$l/blobs/sha256/$top")
	fi
	cfg=$(jq -r '.config.digest | sub("sha256:"; "")' "$l/blobs/sha256/$m")
	jq -r '.rootfs.diff_ids[] | sub("sha256:"; "")' "$l/blobs/sha256/$cfg"
}

# lowerdir IMAGE LAYOUT: the overlay lowerdir of a pulled image, top layer
# first: from `vmkit inspect` when it reports one, else from the store's
# layout (ROOT/images/layers/<diff-id>).
lowerdir() {
	local ld
	ld=$(vk inspect "$1" 2>/dev/null | jq -r '.[0].GraphDriver.Data.LowerDir // empty' 2>/dev/null) || ld=
	if [ -z "$ld" ]; then
		ld=$(diff_ids "$2" | tac | sed "s|^|$ROOT/images/layers/|" | paste -sd:)
	fi
	echo "$ld"
}

# in_merged IMAGE LAYOUT SCRIPT: run SCRIPT (sh) inside the read-only overlay
# of the image's layers, in a private mount namespace so nothing outlives it.
in_merged() {
	local mnt="$BATS_TEST_TMPDIR/merged" ld
	ld=$(lowerdir "$1" "$2")
	mkdir -p "$mnt"
	unshare -m sh -ec "mount -t overlay overlay -o ro,lowerdir=$ld '$mnt'; cd '$mnt'; $3"
}

check_multilayer() {
	in_merged "$1" "$BATS_FILE_TMPDIR/multi" "
		sha256sum -c --quiet '$BATS_FILE_TMPDIR/multi.sha256'
		[ ! -e data/gone.txt ]                          # whiteout
		[ \"\$(ls -A data/olddir)\" = c ]               # opaque directory
		[ \"\$(readlink data/link)\" = hello.txt ]
		[ \"\$(readlink data/dirlink)\" = /data/sub ]
		[ \"\$(stat -c %i data/hard)\" = \"\$(stat -c %i data/hello.txt)\" ]
		[ \"\$(stat -c %h data/newdir/new.txt)\" = 2 ]
		[ \"\$(stat -c %s data/big)\" = 67108864 ]
		[ \"\$(stat -c %a data/sub)\" = 750 ]
		[ -x bin/busybox ] && [ \"\$(readlink bin/sh)\" = /bin/busybox ]
	"
}

# store_state: what a failed pull must leave alone (staging and the lock aside).
store_state() {
	(cd "$ROOT/images" 2>/dev/null && find . -path ./tmp -prune -o ! -name lock -printf '%p %s\n' | sort
	 cat index.json 2>/dev/null)
	vk images
}

# refute_grep PATTERN FILE: fails when FILE has a line matching PATTERN
# (a bare `! grep` would not fail a bats test).
refute_grep() {
	if grep -q "$1" "$2"; then
		echo "unexpected in $2: $(grep "$1" "$2")"
		return 1
	fi
}

# one_error: the last `run` failed with status 1 and one "vmkit: " line on stderr.
one_error() {
	[ "$status" -eq 1 ] || { echo "status $status: $output $stderr"; return 1; }
	[ "$(grep -c '^vmkit: ' <<<"$stderr")" -eq 1 ] || { echo "stderr: $stderr"; return 1; }
	[ -z "$(grep -v '^vmkit: ' <<<"$stderr" | grep -v '^$')" ] || { echo "stderr: $stderr"; return 1; }
}

# --- the client alone (tests/tools/regcli) ---

@test "client: manifests by tag and by digest, OCI, Docker schema 2 and index" {
	run "$REGCLI" manifest "$REGISTRY" multi gzip
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "application/vnd.oci.image.manifest.v1+json sha256:"* ]]
	dg=$(image_digest multi:gzip)
	[ "${lines[0]#* }" = "$dg" ]
	run "$REGCLI" manifest "$REGISTRY" multi "$dg"
	[ "$status" -eq 0 ]
	[ "${lines[0]#* }" = "$dg" ]
	run "$REGCLI" manifest "$REGISTRY" multi docker
	[[ "${lines[0]}" == "application/vnd.docker.distribution.manifest.v2+json "* ]]
	run "$REGCLI" manifest "$REGISTRY" arch latest
	[[ "${lines[0]}" == "application/vnd.oci.image.index.v1+json "* ]]
}

@test "client: a manifest whose bytes do not match its digest is refused" {
	dg=$(image_digest multi:gzip)
	start_fakereg --flip-manifest
	run "$REGCLI" manifest "$FAKEREG" multi "$dg"
	[ "$status" -eq 1 ]
	[[ "$output" == *"@$dg: digest mismatch"* ]]
	# By tag, the registry's Docker-Content-Digest catches it.
	run "$REGCLI" manifest "$FAKEREG" multi gzip
	[ "$status" -eq 1 ]
	[[ "$output" == *"multi:gzip: digest mismatch (registry says $dg"* ]]
	run "$REGCLI" manifest "$REGISTRY" multi sha256:0000000000000000000000000000000000000000000000000000000000000000
	[ "$status" -eq 1 ]
	[[ "$output" == *"not found"* ]]
	run "$REGCLI" manifest "$REGISTRY" multi sha256:xyz
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid digest"* ]]
}

@test "client: blobs verified; Bearer token fetched once per repository" {
	start_fakereg --bearer
	run "$REGCLI" blobs "$FAKEREG" multi gzip
	[ "$status" -eq 0 ]
	[ "$(grep -c '^GET /token' "$FAKEREG_LOG")" -eq 1 ]
	[ "$(grep -c 'blobs/.* auth=bearer -> 200' "$FAKEREG_LOG")" -eq 4 ]
}

@test "client: redirected blobs never get the registry's Authorization" {
	start_fakereg --bearer --redirect-blobs
	run "$REGCLI" blobs "$FAKEREG" multi gzip
	[ "$status" -eq 0 ]
	grep -q '^GET /_storage/.* auth=none -> 200' "$FAKEREG_LOG"
	refute_grep '^GET /_storage/.* auth=bearer' "$FAKEREG_LOG"
}

@test "client: short and corrupt blobs are errors" {
	start_fakereg --short-blob
	run "$REGCLI" blobs "$FAKEREG" multi gzip
	[ "$status" -eq 1 ]
	[[ "$output" == *"short read"* ]]
	stop_fakereg
	start_fakereg --flip-blob
	run "$REGCLI" blobs "$FAKEREG" multi gzip
	[ "$status" -eq 1 ]
	[[ "$output" == *"digest mismatch"* ]]
	# A blob larger than its descriptor says is cut off, not stored.
	cfg=$(jq -r '.config.digest' < <("$REGCLI" manifest "$REGISTRY" multi gzip | tail -n +2))
	run "$REGCLI" blob "$REGISTRY" multi "$cfg" 10 "$BATS_TEST_TMPDIR/cfg"
	[ "$status" -eq 1 ]
	[[ "$output" == *"more than the 10 bytes"* ]]
}

@test "client: 500, 404, 401 and a refused connection say what happened" {
	start_fakereg --status-500
	run "$REGCLI" manifest "$FAKEREG" multi gzip
	[ "$output" = "regcli: registry $FAKEREG: 500 Internal Server Error" ]
	stop_fakereg
	start_fakereg --always-401
	run "$REGCLI" manifest "$FAKEREG" multi gzip
	[ "$output" = "regcli: unauthorized: authentication required; run vmkit login $FAKEREG" ]
	run "$REGCLI" manifest "$REGISTRY" multi nosuchtag
	[ "$output" = "regcli: manifest unknown: $REGISTRY/multi:nosuchtag not found" ]
	run "$REGCLI" manifest 127.0.0.1:1 multi gzip
	[ "$status" -eq 1 ]
	[[ "$output" == *"127.0.0.1:1: cannot connect: Connection refused" ]]
}

@test "client: HTTPS with an unknown certificate fails unless --tls-verify=false" {
	OWN_REGISTRY=1
	start_registry --tls
	push_image "$BATS_FILE_TMPDIR/arch" arch:latest
	run "$REGCLI" manifest "$REGISTRY" arch latest
	[ "$status" -eq 1 ]
	[[ "$output" == "regcli: registry $REGISTRY: TLS: "*"(--tls-verify=false accepts it)" ]]
	run "$REGCLI" --tls-verify=false manifest "$REGISTRY" arch latest
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "application/vnd.oci.image.index.v1+json "* ]]
}

# --- vmkit login / logout ---

@test "login: Basic auth against an htpasswd registry, auth.json 0600, logout" {
	OWN_REGISTRY=1
	start_registry --htpasswd alice:s3cret
	run vk login -u alice -p wrong "$REGISTRY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"vmkit: login: unauthorized: incorrect username or password"* ]]
	[ ! -e "$ROOT/auth.json" ]
	run bash -c "echo s3cret | '$VMKIT' --root '$ROOT' login -u alice --password-stdin $REGISTRY"
	[ "$status" -eq 0 ]
	[ "$output" = "Login Succeeded" ]
	[ "$(stat -c %a "$ROOT/auth.json")" = 600 ]
	jq -e --arg r "$REGISTRY" '.auths[$r].auth == "YWxpY2U6czNjcmV0"' "$ROOT/auth.json"
	run vk logout "$REGISTRY"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.auths | length' "$ROOT/auth.json")" = 0 ]
	run vk logout "$REGISTRY"
	[ "$status" -eq 0 ]
	[[ "$output" == "Not logged in to $REGISTRY" ]]
}

@test "login: Bearer token server checks the password" {
	start_fakereg --bearer=bob:hunter2
	run vk login -u bob -p nope "$FAKEREG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"incorrect username or password"* ]]
	run vk login -u bob -p hunter2 "$FAKEREG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Login Succeeded"* ]]
}

@test "login: usage errors exit 2" {
	run vk login -u a -p b --password-stdin x </dev/null
	[ "$status" -eq 2 ]
	run vk login --tls-verify=maybe -u a -p b x
	[ "$status" -eq 2 ]
	run vk login a b
	[ "$status" -eq 2 ]
}

# --- vmkit pull, end to end ---

@test "pull by tag: gzip layers, whiteouts, opaque dir, links, a 64 MiB file" {
	run vk pull "$REGISTRY/multi:gzip"
	[ "$status" -eq 0 ]
	run vk images
	[[ "$output" == *"$REGISTRY/multi"*gzip* ]]
	check_multilayer "$REGISTRY/multi:gzip"
}

@test "pull by digest" {
	dg=$(image_digest multi:gzip)
	run vk pull "$REGISTRY/multi@$dg"
	[ "$status" -eq 0 ]
	check_multilayer "$REGISTRY/multi@$dg"
}

@test "pull: zstd layers" {
	run vk pull "$REGISTRY/multi:zstd"
	[ "$status" -eq 0 ]
	in_merged "$REGISTRY/multi:zstd" "$BATS_FILE_TMPDIR/multiz" \
		"sha256sum -c --quiet '$BATS_FILE_TMPDIR/multiz.sha256'; [ ! -e data/gone.txt ]; [ \"\$(ls -A data/olddir)\" = c ]"
}

@test "pull: Docker schema 2 manifest" {
	run vk pull "$REGISTRY/multi:docker"
	[ "$status" -eq 0 ]
	check_multilayer "$REGISTRY/multi:docker"
}

@test "pull: a multi-arch index gives the amd64 image" {
	run vk pull "$REGISTRY/arch:latest"
	[ "$status" -eq 0 ]
	in_merged "$REGISTRY/arch:latest" "$BATS_FILE_TMPDIR/arch" '[ "$(cat arch)" = amd64 ]'
}

@test "pull again is a no-op: no blob fetched, store unchanged" {
	start_fakereg
	run vk pull "$FAKEREG/multi:gzip"
	[ "$status" -eq 0 ]
	before=$(store_state)
	: >"$FAKEREG_LOG"
	run vk pull "$FAKEREG/multi:gzip"
	[ "$status" -eq 0 ]
	refute_grep '/blobs/' "$FAKEREG_LOG"
	[ "$(store_state)" = "$before" ]
}

@test "pull: layers shared between images are fetched once" {
	run vk pull "$REGISTRY/multi:gzip"
	[ "$status" -eq 0 ]
	start_fakereg
	run vk pull "$FAKEREG/multi:docker"
	[ "$status" -eq 0 ]
	# Same layers, other manifest: only the manifest and config travel.
	[ "$(grep -c 'blobs/.* -> 200' "$FAKEREG_LOG")" -le 1 ]
}

@test "pull with Bearer auth through fakereg, one token per pull" {
	start_fakereg --bearer --redirect-blobs
	run vk pull "$FAKEREG/multi:gzip"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^GET /token' "$FAKEREG_LOG")" -eq 1 ]
	refute_grep '^GET /_storage/.* auth=bearer' "$FAKEREG_LOG"
	check_multilayer "$FAKEREG/multi:gzip"
}

@test "pull with credentials from vmkit login (Bearer with a password)" {
	start_fakereg --bearer=bob:hunter2
	run --separate-stderr vk pull "$FAKEREG/multi:gzip"
	one_error
	[[ "$stderr" == *"run vmkit login $FAKEREG"* ]]
	run vk login -u bob -p hunter2 "$FAKEREG"
	[ "$status" -eq 0 ]
	run vk pull "$FAKEREG/multi:gzip"
	[ "$status" -eq 0 ]
}

@test "pull from an htpasswd registry after login" {
	OWN_REGISTRY=1
	start_registry --htpasswd alice:s3cret
	push_image "$BATS_FILE_TMPDIR/arch" arch:latest gzip alice:s3cret
	run --separate-stderr vk pull "$REGISTRY/arch:latest"
	one_error
	[[ "$stderr" == *"unauthorized: authentication required; run vmkit login $REGISTRY"* ]]
	run vk login -u alice -p s3cret "$REGISTRY"
	[ "$status" -eq 0 ]
	run vk pull "$REGISTRY/arch:latest"
	[ "$status" -eq 0 ]
}

@test "pull faults: 401, 404, 500, short and corrupt blobs or manifests leave the store unchanged" {
	run vk pull "$REGISTRY/arch:latest" # something already in the store
	[ "$status" -eq 0 ]
	before=$(store_state)
	for fault in --always-401 --status-404 --status-500 --status-500=blobs --status-404=blobs --short-blob --flip-blob --flip-manifest; do
		start_fakereg "$fault"
		run --separate-stderr vk pull "$FAKEREG/multi:gzip"
		one_error || { echo "fault $fault"; return 1; }
		case $fault in
		--always-401) [[ "$stderr" == *"unauthorized: authentication required; run vmkit login"* ]] ;;
		--status-404) [[ "$stderr" == *"not found"* ]] ;;
		--status-500*) [[ "$stderr" == *"500 Internal Server Error"* ]] ;;
		--short-blob) [[ "$stderr" == *"short read"* ]] ;;
		--flip-*) [[ "$stderr" == *"digest mismatch"* ]] ;;
		esac || { echo "fault $fault: $stderr"; return 1; }
		[ "$(store_state)" = "$before" ] || { echo "fault $fault changed the store"; return 1; }
		stop_fakereg
	done
}

@test "pull --tls-verify=false from an HTTPS registry with a self-signed certificate" {
	OWN_REGISTRY=1
	start_registry --tls
	push_image "$BATS_FILE_TMPDIR/arch" arch:latest
	run --separate-stderr vk pull "$REGISTRY/arch:latest"
	one_error
	[[ "$stderr" == *"TLS"* ]]
	run vk pull --tls-verify=false "$REGISTRY/arch:latest"
	[ "$status" -eq 0 ]
	in_merged "$REGISTRY/arch:latest" "$BATS_FILE_TMPDIR/arch" '[ "$(cat arch)" = amd64 ]'
}

@test "pull: missing tag, missing repository, no registry" {
	run --separate-stderr vk pull "$REGISTRY/multi:nosuchtag"
	one_error
	[[ "$stderr" == *"manifest unknown: $REGISTRY/multi:nosuchtag not found"* ]]
	run --separate-stderr vk pull "$REGISTRY/nosuchrepo:latest"
	one_error
	[[ "$stderr" == *"not found"* ]]
	run --separate-stderr vk pull 127.0.0.1:1/x:y
	one_error
	[[ "$stderr" == *"Connection refused"* ]]
}

@test "run the pulled image: config Entrypoint, Cmd, Env, WorkingDir, User" {
	run vk pull "$REGISTRY/multi:gzip"
	[ "$status" -eq 0 ]
	run vk run --rm "$REGISTRY/multi:gzip"
	[[ "$output" == *"not implemented"* ]] && skip "vmkit run is not implemented yet"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from vmkit" ]
	run vk run --rm "$REGISTRY/multi:gzip" 'pwd; id -u; cat hello.txt'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /data ]
	[ "${lines[1]}" = 1000 ]
	[ "${lines[2]}" = hello ]
}
