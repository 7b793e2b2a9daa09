#!/bin/sh
# guest-kit.sh - build the Linux guest kit from Debian packages only:
#   build/kit/vmlinuz      Debian's cloud kernel (linux-image-cloud-amd64)
#   build/kit/initrd.cpio  busybox-static, guest/init, and kernel modules
# The packages are fetched with `apt-get download` and unpacked here; they
# are never installed on the host. Idempotent: an existing kit is kept.
set -eu
cd "$(dirname "$0")/.."
KIT=build/kit
DL=$KIT/dl
[ -s $KIT/vmlinuz ] && [ -s $KIT/initrd.cpio ] && [ $KIT/initrd.cpio -nt guest/init ] &&
	[ $KIT/initrd.cpio -nt scripts/guest-kit.sh ] && exit 0
mkdir -p $DL
# The metapackage names the current kernel package.
KPKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$KPKG" ]; then
	apt-get update -q >/dev/null 2>&1 || true
	KPKG=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[ -n "$KPKG" ] || { echo "guest-kit: cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
(cd $DL && ls ${KPKG}_*.deb >/dev/null 2>&1 || apt-get download -q "$KPKG" >/dev/null 2>&1 ||
	{ echo "guest-kit: apt-get download $KPKG failed" >&2; exit 1; })
(cd $DL && ls busybox-static_*.deb >/dev/null 2>&1 || apt-get download -q busybox-static >/dev/null 2>&1 ||
	{ echo "guest-kit: apt-get download busybox-static failed" >&2; exit 1; })
rm -rf $DL/kernel $DL/busybox $KIT/root
dpkg-deb -x $DL/${KPKG}_*.deb $DL/kernel
dpkg-deb -x $DL/busybox-static_*.deb $DL/busybox
cp $DL/kernel/boot/vmlinuz-* $KIT/vmlinuz

# The root filesystem: busybox and a link per applet, the init, modules.
R=$KIT/root
BB=$DL/busybox/bin/busybox
mkdir -p $R/bin $R/sbin $R/etc $R/proc $R/sys $R/dev $R/tmp $R/root
cp $BB $R/bin/busybox
for a in $($BB --list); do
	[ "$a" = busybox ] || ln -sf busybox $R/bin/$a
done
cp guest/init $R/init
chmod 755 $R/init
# Modules the guest may need, with what they depend on (none is needed to
# reach a shell on the serial console; virtio drivers come next).
KVER=$(ls $DL/kernel/lib/modules)
MODS="pvpanic pvpanic-mmio virtio_pci virtio_blk virtio_net virtio_console virtio_rng"
mkdir -p $R/lib/modules/$KVER
for m in $MODS; do
	f=$(find $DL/kernel/lib/modules/$KVER -name "$m.ko*" -o -name "$(echo $m | tr - _).ko*" | head -n 1)
	[ -n "$f" ] || continue
	dst=$R/lib/modules/$KVER/${f#$DL/kernel/lib/modules/$KVER/}
	mkdir -p "$(dirname "$dst")"
	cp "$f" "$dst"
done
cp $DL/kernel/lib/modules/$KVER/modules.order $DL/kernel/lib/modules/$KVER/modules.builtin \
	$R/lib/modules/$KVER/ 2>/dev/null || true
$BB depmod -b $R $KVER 2>/dev/null || true
# Loaded by init: the panic notifier, so a guest panic ends the VM.
echo pvpanic-mmio >$R/etc/modules
echo "root:x:0:0:root:/root:/bin/sh" >$R/etc/passwd
echo "root:x:0:" >$R/etc/group
(cd $R && find . | LC_ALL=C sort | $OLDPWD/$BB cpio -o -H newc >$OLDPWD/$KIT/initrd.cpio 2>/dev/null)
echo "guest kit: $KIT/vmlinuz ($KPKG), $KIT/initrd.cpio"
