/* dsdt.c - the DSDT's AML, compiled from dsdt.asl by iasl at build time. */
#include "vm/acpi.h"

/* $(BUILD)/gen/vm/acpi/dsdt_aml.h: iasl -tc output, with its array renamed
 * to `static const unsigned char dsdt_aml[]` (see the Makefile). */
#include "dsdt_aml.h"

const uint8_t *acpi__dsdt_aml(size_t *len)
{
	*len = sizeof(dsdt_aml);
	return dsdt_aml;
}
