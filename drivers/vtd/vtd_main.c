// SPDX-License-Identifier: GPL-2.0
/*
 * iofd_vtd: the Intel VT-d driver of iofd-oot.
 *
 * At load it takes over every DRHD of the ACPI DMAR table (the kernel must
 * have been booted with intel_iommu=off intremap=off): scalable-mode
 * tables of its own, every device of the scope in pass-through, then
 * translation on.  Devices bound through iofd-pci are blocked and
 * translated by iommufd HWPTs.  At unload the units go back to
 * translation-disabled.
 */
#define pr_fmt(fmt) "iofd_vtd: " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/iommufd.h>
#include "vtd.h"

LIST_HEAD(vtd_units);

static struct iofd_device *vtd_probe_device(struct device *dev)
{
	struct vtd_unit *unit;
	struct pci_dev *pdev;
	struct vtd_dev *vdev;
	int rc;

	if (!dev_is_pci(dev))
		return ERR_PTR(-ENODEV);
	pdev = to_pci_dev(dev);
	/*
	 * Only the device's own requester ID gets our tables: a device that
	 * also issues DMA under another ID (behind a PCIe-to-PCI bridge, a
	 * phantom-function quirk) would keep pass-through under it.
	 */
	if (iofd_pci_may_alias(pdev)) {
		pci_warn(pdev, "may DMA under another requester ID: not taken\n");
		return ERR_PTR(-EINVAL);
	}
	list_for_each_entry(unit, &vtd_units, node)
		if (vtd_unit_has_rid(unit, pci_domain_nr(pdev->bus),
				     pci_dev_id(pdev)))
			goto found;
	return ERR_PTR(-ENODEV);

found:
	vdev = iofd_should_fail() ? NULL : kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&vdev->node);
	vdev->unit = unit;
	vdev->pdev = pci_dev_get(pdev);
	vdev->rid = pci_dev_id(pdev);
	snprintf(vdev->name, sizeof(vdev->name), "%s", pci_name(pdev));
	vdev->idev.driver = &vtd_driver;
	vdev->idev.dev = dev;
	vdev->idev.name = vdev->name;
	if (!((unit->ecap & VTD_ECAP_NEST) && (unit->ecap & VTD_ECAP_FLTS)))
		vdev->idev.capabilities = IOMMU_HW_CAP_IOFD_SHADOW_NESTING;
	rc = vtd_dev_take(vdev);
	if (rc) {
		pci_dev_put(pdev);
		kfree(vdev);
		return ERR_PTR(rc);
	}
	pci_info(pdev, "DMA translated by %s (was pass-through)\n",
		 unit->name);
	return &vdev->idev;
}

static void vtd_release_device(struct iofd_device *idev)
{
	struct vtd_dev *vdev = to_vtd_dev(idev);

	vtd_dev_give_back(vdev);
	pci_info(vdev->pdev, "back to pass-through on %s\n", vdev->unit->name);
	pci_dev_put(vdev->pdev);
	kfree(vdev);
}

static int vtd_hw_info(struct iofd_device *idev, void *data, size_t len,
		       u32 *type)
{
	struct vtd_unit *unit = to_vtd_dev(idev)->unit;
	struct iommu_hw_info_vtd info = {
		/* As upstream, always: no read-only mappings in a nest parent */
		.flags = IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17,
		.cap_reg = unit->cap,
		.ecap_reg = unit->ecap,
	};

	memcpy(data, &info, min(len, sizeof(info)));
	*type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	return sizeof(info);
}

static const struct iofd_driver_ops vtd_driver_ops = {
	.probe_device = vtd_probe_device,
	.release_device = vtd_release_device,
	.domain_alloc_paging = vtd_domain_alloc_paging,
	.attach_dev = vtd_attach_dev,
	.block_dev = vtd_block_dev,
	.hw_info = vtd_hw_info,
	.domain_alloc_nested = vtd_domain_alloc_nested,
};

struct iofd_driver vtd_driver = {
	.name = "vtd",
	.owner = THIS_MODULE,
	.ops = &vtd_driver_ops,
};

static void vtd_destroy_units(void)
{
	struct vtd_unit *unit, *next;

	list_for_each_entry_safe(unit, next, &vtd_units, node) {
		list_del(&unit->node);
		vtd_unit_destroy(unit);
		kfree(unit->scope);
		kfree(unit);
	}
}

static int __init vtd_init(void)
{
	struct vtd_unit *unit;
	int rc;

	pr_info("version %s\n", IOFD_VERSION);
	rc = vtd_dmar_probe_units();
	if (rc)
		return rc;
	vtd_debugfs_init();
	list_for_each_entry(unit, &vtd_units, node)
		vtd_debugfs_unit_init(unit);
	rc = iofd_driver_register(&vtd_driver);
	if (rc) {
		vtd_debugfs_exit();
		vtd_destroy_units();
	}
	return rc;
}

static void __exit vtd_exit(void)
{
	/* Gives back the devices bound through iofd-pci first */
	iofd_driver_unregister(&vtd_driver);
	vtd_debugfs_exit();
	vtd_destroy_units();
}

module_init(vtd_init);
module_exit(vtd_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("iofd-oot");
MODULE_DESCRIPTION("iofd-oot Intel VT-d driver (scalable mode)");
MODULE_VERSION(IOFD_VERSION);
