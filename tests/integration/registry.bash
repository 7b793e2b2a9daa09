# registry.bash - a real OCI registry for bats tests: Debian's docker-registry
# on 127.0.0.1, images pushed into it with skopeo, and fakereg in front of it
# to inject faults. Source it after helpers.bash:
#
#   load helpers
#   load registry
#   setup_file()    { start_registry; }            # or: start_registry --htpasswd u:p
#   teardown_file() { stop_registry; }
#
# start_registry [--htpasswd USER:PASS] [--tls]
#     Starts docker-registry (filesystem storage in a temporary directory) on a
#     free port of 127.0.0.1 and waits until /v2/ answers. Exports
#     REGISTRY=127.0.0.1:PORT (and REGISTRY_DIR, REGISTRY_PID). With
#     --htpasswd the registry wants Basic auth for that user (bcrypt file
#     made with htpasswd -B from apache2-utils). With --tls it speaks only
#     HTTPS, with a self-signed certificate no CA vouches for
#     ($REGISTRY_DIR/cert.pem): clients need --tls-verify=false.
# stop_registry
#     Kills it and removes its files. Safe to call twice or without a start.
# push_image LAYOUT NAME:TAG [gzip|zstd|docker] [USER:PASS]
#     skopeo copy of the OCI layout directory LAYOUT (one image, or an index
#     with --all) to docker://$REGISTRY/NAME:TAG, layers compressed as asked
#     (gzip by default; docker: a Docker schema-2 manifest, gzip layers).
#     Prints nothing; fails loudly. skopeo reuses blobs the registry already
#     has, so a zstd copy of a gzip-pushed image needs other layer digests:
#     build it with MKIMAGE_SALT set (see mkimage.sh).
# image_digest NAME:TAG
#     The manifest digest ("sha256:...") the registry serves for NAME:TAG.
# start_fakereg [FLAGS...] / stop_fakereg
#     tests/tools/fakereg in front of $REGISTRY with fault flags (fakereg
#     --help lists them: --bearer, --status-500, --status-404, --short-blob,
#     --flip-blob, --always-401, --redirect-blobs). Exports
#     FAKEREG=127.0.0.1:PORT and FAKEREG_LOG (its log of requests).
# MKIMAGE: the path of tests/fixtures/mkimage.sh (builds the layouts).

export MKIMAGE="$BATS_TEST_DIRNAME/../fixtures/mkimage.sh"
FAKEREG_BIN="$(dirname "${VMKIT:-$BATS_TEST_DIRNAME/../../build/vmkit}")/tests/tools/fakereg"

# A port no socket uses, below the ephemeral range (32768 up) that
# outgoing connections take; the registry may still lose a race for it, so
# start_registry retries with another.
_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000))
		ss -Htan "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# _wait_http URL: up to 10 s for any HTTP answer (200 or 401) from URL.
_wait_http() {
	local code
	for _ in $(seq 200); do
		code=$(curl -ks -o /dev/null -w '%{http_code}' "$1" 2>/dev/null) || code=000
		[ "$code" = 200 ] || [ "$code" = 401 ] && return 0
		sleep 0.05
	done
	return 1
}

start_registry() {
	local htpasswd="" tls="" scheme=http dir port pid
	while [ $# -gt 0 ]; do
		case $1 in
		--htpasswd) htpasswd=$2; shift 2 ;;
		--tls) tls=1; scheme=https; shift ;;
		*) echo "start_registry: unknown option $1" >&2; return 1 ;;
		esac
	done
	command -v docker-registry >/dev/null || { echo "docker-registry missing (apt-get install docker-registry)" >&2; return 1; }
	# A test's own registry replaces the file's in this test's shell only;
	# until it is up, stop_registry must find nothing of the file's to stop.
	unset REGISTRY REGISTRY_DIR REGISTRY_PID
	dir=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/registry.XXXXXX")
	mkdir -p "$dir/data"
	if [ -n "$tls" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
			-addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null ||
			{ echo "openssl could not make a certificate" >&2; rm -rf "$dir"; return 1; }
	fi
	for _ in 1 2 3 4 5; do
		port=$(_free_port) || break
		{
			printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n'
			printf 'storage:\n  filesystem:\n    rootdirectory: %s/data\n  delete:\n    enabled: true\n' "$dir"
			printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
			[ -z "$tls" ] || printf '  tls:\n    certificate: %s/cert.pem\n    key: %s/key.pem\n' "$dir" "$dir"
			if [ -n "$htpasswd" ]; then
				printf 'auth:\n  htpasswd:\n    realm: vmkit-test\n    path: %s/htpasswd\n' "$dir"
			fi
		} >"$dir/config.yml"
		if [ -n "$htpasswd" ]; then
			htpasswd -Bbn "${htpasswd%%:*}" "${htpasswd#*:}" >"$dir/htpasswd" 2>/dev/null ||
				{ echo "htpasswd -B failed (apt-get install apache2-utils)" >&2; rm -rf "$dir"; return 1; }
		fi
		# fd 3 closed: bats waits for whoever holds it.
		docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 3>&- &
		pid=$!
		if _wait_http "$scheme://127.0.0.1:$port/v2/" && kill -0 "$pid" 2>/dev/null; then
			export REGISTRY="127.0.0.1:$port" REGISTRY_DIR="$dir" REGISTRY_PID=$pid
			return 0
		fi
		# It may be gone already (lost the port): bats runs with errexit.
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	echo "docker-registry did not start:" >&2
	cat "$dir/log" >&2
	rm -rf "$dir"
	return 1
}

stop_registry() {
	stop_fakereg
	if [ -n "${REGISTRY_PID:-}" ]; then
		kill "$REGISTRY_PID" 2>/dev/null && wait "$REGISTRY_PID" 2>/dev/null || true
	fi
	[ -n "${REGISTRY_DIR:-}" ] && rm -rf "$REGISTRY_DIR"
	unset REGISTRY REGISTRY_DIR REGISTRY_PID
}

push_image() {
	local layout=$1 name=$2 comp=${3:-gzip} creds=${4:-} args=()
	case $comp in
	zstd) args+=(--dest-compress-format zstd) ;;
	docker) args+=(--format v2s2) ;;
	esac
	[ -n "$creds" ] && args+=(--dest-creds "$creds")
	# An index (several manifests) is copied whole.
	if jq -e '.manifests[0].mediaType == "application/vnd.oci.image.index.v1+json"' "$layout/index.json" >/dev/null; then
		args+=(--all)
	fi
	skopeo copy -q --dest-tls-verify=false "${args[@]}" "oci:$layout" "docker://$REGISTRY/$name" >/dev/null
}

image_digest() {
	skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/$1" | sha256sum | sed 's/^/sha256:/; s/ .*//'
}

start_fakereg() {
	local portfile
	[ -x "$FAKEREG_BIN" ] || { echo "fakereg not built: $FAKEREG_BIN" >&2; return 1; }
	portfile=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/fakereg.XXXXXX")
	FAKEREG_LOG="$portfile.log"
	"$FAKEREG_BIN" --upstream "http://$REGISTRY" --port-file "$portfile" "$@" >"$FAKEREG_LOG" 2>&1 3>&- &
	FAKEREG_PID=$!
	for _ in $(seq 200); do
		[ -s "$portfile" ] && break
		kill -0 "$FAKEREG_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$portfile" ] || { echo "fakereg did not start:" >&2; cat "$FAKEREG_LOG" >&2; return 1; }
	FAKEREG="127.0.0.1:$(cat "$portfile")"
	export FAKEREG FAKEREG_LOG FAKEREG_PID
	rm -f "$portfile"
}

stop_fakereg() {
	if [ -n "${FAKEREG_PID:-}" ]; then
		kill "$FAKEREG_PID" 2>/dev/null && wait "$FAKEREG_PID" 2>/dev/null || true
	fi
	unset FAKEREG FAKEREG_PID
}
