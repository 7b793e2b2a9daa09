/* dsdt.asl - vmkit's DSDT (ACPI 6.4 section 5.2.11.1): the PCI root bridge,
 * the legacy devices pc.c attaches, and the S5 sleep type the ACPI PM
 * device (src/devices/legacy/acpi_pm.c) recognizes for power-off.
 *
 * Compiled at build time by iasl -tc (Debian package acpica-tools) into a
 * C array, $(BUILD)/gen/vm/acpi/dsdt_aml.h, that src/vm/acpi/dsdt.c
 * includes; src/vm/acpi.c copies it into guest memory and rewrites the
 * header's OEM and creator IDs. Keep the numbers here in step with
 * src/vm/pc.h, src/devices/legacy/acpi_pm.h and src/devices/pci/host.h:
 * tests/unit/test_acpi.c checks the ones a mismatch would break. */
DefinitionBlock ("", "DSDT", 2, "VMKIT", "VMKIT", 1)
{
	Scope (\_SB)
	{
		/* PCI host bridge: configuration mechanism #1 at 0xCF8-0xCFF,
		 * bus 0 only, and the windows it forwards. */
		Device (PCI0)
		{
			Name (_HID, EisaId ("PNP0A03"))
			Name (_UID, 0)
			Name (_BBN, 0)
			Name (_SEG, 0)
			Name (_CRS, ResourceTemplate ()
			{
				WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
					0x0000,         /* granularity */
					0x0000,         /* range minimum */
					0x00FF,         /* range maximum */
					0x0000,         /* translation offset */
					0x0100)         /* length */
				/* The configuration ports themselves. */
				IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
				/* All other ports below and above them. */
				WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
					0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
				WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
					0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
				/* The 32-bit MMIO hole below the I/O APIC
				 * (MEM_HOLE_START in src/vm/mem.h). */
				DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
					NonCacheable, ReadWrite,
					0x00000000, 0xC0000000, 0xFEBFFFFF, 0x00000000, 0x3EC00000)
			})
		}

		/* The paravirtual panic notifier at port 0x505. QEMU0001 is
		 * the ID its Linux driver (pvpanic-mmio) binds to. */
		Device (PEVT)
		{
			Name (_HID, "QEMU0001")
			Name (_STA, 0x0B)
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x0505, 0x0505, 0x01, 0x01)
			})
		}

		/* COM1: 16550A at 0x3F8, IRQ 4. */
		Device (COM1)
		{
			Name (_HID, EisaId ("PNP0501"))
			Name (_UID, 1)
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
				IRQNoFlags () {4}
			})
		}

		/* i8042 keyboard controller: data 0x60, command/status 0x64,
		 * IRQ 1. No mouse is attached, so no PNP0F13. */
		Device (KBD)
		{
			Name (_HID, EisaId ("PNP0303"))
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
				IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
				IRQNoFlags () {1}
			})
		}

		/* MC146818A CMOS clock: index 0x70, data 0x71, IRQ 8. */
		Device (RTC)
		{
			Name (_HID, EisaId ("PNP0B00"))
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
				IRQNoFlags () {8}
			})
		}
	}

	/* S5 (soft off): SLP_TYPa, SLP_TYPb, reserved. Writing SLP_TYPa = 5
	 * with SLP_EN to PM1a_CNT powers the machine off (PM_SLP_TYP_S5). */
	Name (\_S5, Package () { 5, 5, 0, 0 })
}
