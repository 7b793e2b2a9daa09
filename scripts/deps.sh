#!/bin/sh
# deps.sh - install the Debian packages vmkit needs, and only those missing.
# Idempotent: when everything is present it changes nothing.
set -eu

# Containers: libnftables and libnl for bridge networking; busybox-static
# builds the test images; docker-registry and skopeo are the real registry
# and pusher the image tests run against.
PKGS="make gcc clang clang-format binutils pkg-config libc6-dev libjansson-dev libcmocka-dev libseccomp-dev libcurl4-openssl-dev libarchive-dev libssl-dev libnftables-dev libnl-3-dev libnl-route-3-dev libmicrohttpd-dev bats jq git acpica-tools busybox-static docker-registry skopeo nftables iproute2 util-linux apache2-utils openssl curl"
# `deps.sh bench` adds the peers benchmarks compare against.
[ "${1:-}" = bench ] && PKGS="qemu-system-x86 podman runc crun hyperfine"

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update once, then retry.
if ! $SUDO apt-get install -y --no-install-recommends $missing >/tmp/vmkit-deps.log 2>&1; then
	$SUDO apt-get update -q >>/tmp/vmkit-deps.log 2>&1
	$SUDO apt-get install -y --no-install-recommends $missing >>/tmp/vmkit-deps.log 2>&1 || {
		echo "deps: apt-get failed; see /tmp/vmkit-deps.log" >&2
		exit 1
	}
fi
