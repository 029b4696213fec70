// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the remapping units: the ACPI DMAR table's DRHD structures give
 * each unit's register base and device scope.  The kernel must not use
 * them (intel_iommu=off intremap=off): vtd_unit_init() refuses a unit
 * whose translation or interrupt remapping is already on.
 */
#define pr_fmt(fmt) "iofd_vtd: " fmt

#include <linux/acpi.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include "vtd.h"

/* Walk a scope path (start bus, then device/function hops) to a BDF */
static int vtd_scope_bdf(u16 segment, const struct acpi_dmar_device_scope *s,
			 u16 *bdf)
{
	const struct acpi_dmar_pci_path *path = (const void *)(s + 1);
	int hops = (s->length - sizeof(*s)) / sizeof(*path);
	unsigned int bus = s->bus;
	int i;

	if (hops < 1)
		return -EINVAL;
	for (i = 0; i < hops - 1; i++) {
		struct pci_dev *bridge;

		bridge = pci_get_domain_bus_and_slot(segment, bus,
				PCI_DEVFN(path[i].device, path[i].function));
		if (!bridge || !bridge->subordinate) {
			pci_dev_put(bridge);
			return -ENODEV;
		}
		bus = bridge->subordinate->number;
		pci_dev_put(bridge);
	}
	*bdf = bus << 8 | PCI_DEVFN(path[hops - 1].device,
				    path[hops - 1].function);
	return 0;
}

/* The endpoints and bridges of a DRHD's scope, as BDFs */
static int vtd_parse_scope(struct vtd_unit *unit,
			   const struct acpi_dmar_hardware_unit *drhd)
{
	const void *p = drhd + 1, *end = (const void *)drhd +
					  drhd->header.length;
	const struct acpi_dmar_device_scope *s;
	unsigned int n = 0;

	for (s = p; (const void *)(s + 1) <= end && s->length >= sizeof(*s);
	     s = (const void *)s + s->length)
		n++;
	unit->scope = kcalloc(max(n, 1U), sizeof(*unit->scope), GFP_KERNEL);
	if (!unit->scope)
		return -ENOMEM;
	for (s = p; (const void *)(s + 1) <= end && s->length >= sizeof(*s);
	     s = (const void *)s + s->length) {
		u16 bdf;

		if (s->entry_type != ACPI_DMAR_SCOPE_TYPE_ENDPOINT &&
		    s->entry_type != ACPI_DMAR_SCOPE_TYPE_BRIDGE)
			continue;
		if (vtd_scope_bdf(drhd->segment, s, &bdf))
			continue;
		unit->scope[unit->nr_scope++] = bdf;
	}
	return 0;
}

static int vtd_probe_drhd(const struct acpi_dmar_hardware_unit *drhd,
			  unsigned int index)
{
	struct vtd_unit *unit;
	int rc;

	unit = kzalloc(sizeof(*unit), GFP_KERNEL);
	if (!unit)
		return -ENOMEM;
	snprintf(unit->name, sizeof(unit->name), "dmar%u", index);
	unit->phys = drhd->address;
	unit->segment = drhd->segment;
	unit->include_all = drhd->flags & ACPI_DMAR_INCLUDE_ALL;
	rc = vtd_parse_scope(unit, drhd);
	if (!rc)
		rc = vtd_unit_init(unit);
	if (rc) {
		kfree(unit->scope);
		kfree(unit);
		return rc;
	}
	list_add_tail(&unit->node, &vtd_units);
	return 0;
}

/*
 * Take every DRHD of the DMAR table.  Units that refuse (in use by the
 * kernel, no scalable mode) are skipped with a message; no unit at all is
 * -ENODEV.
 */
int vtd_dmar_probe_units(void)
{
	struct acpi_table_header *tbl;
	const struct acpi_dmar_header *h;
	const void *end;
	unsigned int index = 0;
	acpi_status st;
	int rc;

	st = acpi_get_table(ACPI_SIG_DMAR, 0, &tbl);
	if (ACPI_FAILURE(st)) {
		pr_info("no DMAR table: no VT-d unit\n");
		return -ENODEV;
	}
	end = (const void *)tbl + tbl->length;
	for (h = (const void *)tbl + sizeof(struct acpi_table_dmar);
	     (const void *)(h + 1) <= end && h->length >= sizeof(*h) &&
	     (const void *)h + h->length <= end;
	     h = (const void *)h + h->length) {
		if (h->type != ACPI_DMAR_TYPE_HARDWARE_UNIT)
			continue;
		rc = vtd_probe_drhd((const void *)h, index++);
		if (rc)
			pr_warn("DRHD %u not taken: %d\n", index - 1, rc);
	}
	acpi_put_table(tbl);
	return list_empty(&vtd_units) ? -ENODEV : 0;
}
