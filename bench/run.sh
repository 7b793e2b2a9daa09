#!/usr/bin/env bash
# run.sh - vmkit's benchmarks, side by side with QEMU where the issue names
# it. Benchmarks, not tests: they print figures, they do not pass or fail.
#   bench/run.sh [rss] [startup] [exits] [mips] [tcg] [boot]   (default: all)
# Record results in bench/RESULTS.md with the command that produced them.
set -euo pipefail
cd "$(dirname "$0")/.."
VMKIT=${VMKIT:-build/vmkit}
B=build/bench
RUNS=${RUNS:-20}
QEMU="qemu-system-x86_64 -accel kvm -M pc -m 128 -display none -nodefaults -serial none \
-monitor none -device isa-debug-exit,iobase=0xf4,iosize=4"

# rss_of PID GUEST_MIB: resident KiB of the process outside the guest-RAM
# mapping (the anonymous mapping of exactly GUEST_MIB), and of it, anonymous.
rss_of() {
	awk -v guest=$(($2 * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / { anon = ($6 == "" || $6 ~ /^\[(heap|stack)\]$/) }
		/^Size:/ { size = $2 }
		/^Rss:/ { if (size == guest && anon) g += $2; else { t += $2; if (anon) a += $2 } }
		END { printf "%d %d %d\n", t, a, g }' /proc/$1/smaps
}

bench_rss() {
	echo "== VMM overhead: resident memory beyond guest RAM (128 MiB guest, halted)"
	local pid out
	"$VMKIT" vm run --accel kvm --kernel build/guest/wait16.bin </dev/null >/dev/null 2>&1 &
	pid=$!
	sleep 1
	read -r t a g < <(rss_of $pid 128)
	kill $pid; wait $pid 2>/dev/null || true
	printf "vmkit: %d KiB beyond guest RAM (%d KiB of it anonymous, the rest shared libraries); guest RAM touched: %d KiB\n" "$t" "$a" "$g"
	qemu-system-x86_64 -accel kvm -M pc -m 128 -display none -nodefaults -serial none \
		-monitor none -drive file=build/guest/wait16.bin,format=raw,if=ide 2>/dev/null &
	pid=$!
	sleep 4
	read -r t a g < <(rss_of $pid 128)
	kill $pid; wait $pid 2>/dev/null || true
	printf "qemu:  %d KiB beyond guest RAM (%d KiB of it anonymous); guest RAM touched: %d KiB\n" "$t" "$a" "$g"
}

bench_startup() {
	echo "== start-up: process start to the guest's first port write (a byte on COM1)"
	$B/timeto -n "$RUNS" -p S -- "$VMKIT" vm run --accel kvm --kernel $B/first16.bin
}

bench_exits() {
	echo "== exit round trips: 100,000 writes to an unused port, vmkit and QEMU (-accel kvm)"
	local v0 v1 q0 q1
	v0=$($B/timeto -n "$RUNS" -p '' -- "$VMKIT" vm run --accel kvm --kernel $B/exits0.bin | awk '/to exit/ {print $4}')
	v1=$($B/timeto -n "$RUNS" -p '' -- "$VMKIT" vm run --accel kvm --kernel $B/exits100k.bin | awk '/to exit/ {print $4}')
	cp $B/exits0.bin $B/exits0.img; cp $B/exits100k.bin $B/exits100k.img
	q0=$($B/timeto -n 5 -p '' -- $QEMU -drive file=$B/exits0.img,format=raw,if=ide | awk '/to exit/ {print $4}')
	q1=$($B/timeto -n 5 -p '' -- $QEMU -drive file=$B/exits100k.img,format=raw,if=ide | awk '/to exit/ {print $4}')
	awk -v v0="$v0" -v v1="$v1" -v q0="$q0" -v q1="$q1" 'BEGIN {
		ve = 100000 / ((v1 - v0) / 1000); qe = 100000 / ((q1 - q0) / 1000)
		printf "vmkit: 0 writes %.1f ms, 100k writes %.1f ms: %.0f exits/s (%.2f us each)\n", v0, v1, ve, 1e6 / ve
		printf "qemu:  0 writes %.1f ms, 100k writes %.1f ms: %.0f exits/s (%.2f us each)\n", q0, q1, qe, 1e6 / qe
		printf "ratio vmkit/qemu exits per second: %.2f\n", ve / qe
	}'
}

bench_mips() {
	echo "== software CPU: simple integer loop (5 instructions x 100 million), 5 runs"
	for _ in 1 2 3 4 5; do
		{ "$VMKIT" vm run --accel emu --stats --kernel $B/loop64.elf 2>&1 || true; } |
			awk '/MIPS/ {print $(NF-1)}'
	done | sort -n | awk '{a[NR]=$1} END {printf "MIPS: median %s (min %s, max %s)\n", a[3], a[1], a[5]}'
}

bench_tcg() {
	echo "== software CPU against QEMU's TCG: bench/guest/cpubench (Multiboot, enters long mode)"
	local v q
	v=$($B/timeto -n 5 -p checksum -- "$VMKIT" vm run --accel emu --kernel $B/cpubench.elf | awk '/to exit/ {print $4}')
	q=$($B/timeto -n 5 -p checksum -- qemu-system-x86_64 -accel tcg -M pc -m 128 -display none \
		-nodefaults -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel $B/cpubench.elf | awk '/to exit/ {print $4}')
	awk -v v="$v" -v q="$q" 'BEGIN { printf "vmkit emu: %.0f ms, qemu tcg: %.0f ms (medians of 5, process start to exit): ratio %.2f\n", v, q, v / q }'
}

# Linux: process start to the first line the guest kit's init prints, the
# same kernel, initramfs and command line for both.
bench_boot() {
	echo "== Linux boot: process start to init's first line (guest kit; vmkit emu vs QEMU TCG)"
	scripts/guest-kit.sh >/dev/null
	local K=build/kit/vmlinuz I=build/kit/initrd.cpio
	$B/timeto -n 5 -p "init started" -- "$VMKIT" vm run --accel emu --memory 256M \
		--kernel $K --initrd $I --append "console=ttyS0 vmkit.demo" | sed 's/^/vmkit: /'
	$B/timeto -n 5 -p "init started" -- qemu-system-x86_64 -M pc -accel tcg -m 256 -nographic \
		-kernel $K -initrd $I -append "console=ttyS0 vmkit.demo" | sed 's/^/qemu:  /'
}

what=("$@")
[ ${#what[@]} -eq 0 ] && what=(rss startup exits mips tcg boot)
for w in "${what[@]}"; do "bench_$w"; done
