// SPDX-License-Identifier: GPL-2.0
/*
 * iofd_smmuv3: the Arm SMMUv3 driver of iofd-oot.
 *
 * A platform driver for the device-tree nodes "arm,smmu-v3".  The kernel's
 * own arm-smmu-v3 driver must not own the unit: Debian builds it in, so
 * boot with initcall_blacklist=arm_smmu_driver_init (the module refuses
 * to load otherwise).  At load every unit is taken over with every PCI
 * stream in bypass; devices bound through iofd-pci are blocked and then
 * translated by iommufd HWPTs.  At unload the units are disabled again.
 * ACPI (IORT) systems are not handled yet: DT only.
 */
#define pr_fmt(fmt) "iofd_smmuv3: " fmt

#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include "smmu.h"
#include "smmu_entries.h"

LIST_HEAD(smmu_units);
static DEFINE_MUTEX(smmu_units_lock);
static unsigned int smmu_next_index;

/*
 * @pdev's StreamID on @unit: its host bridge's iommu-map applied to the
 * requester ID.  -ENODEV when the map does not send it to @unit.
 */
int smmu_pci_sid(struct smmu_unit *unit, struct pci_dev *pdev, u32 *sid)
{
	struct pci_host_bridge *bridge = pci_find_host_bridge(pdev->bus);
	struct device_node *np = NULL, *target = NULL;
	int rc;

	if (bridge)
		np = bridge->dev.parent ? bridge->dev.parent->of_node :
					  bridge->dev.of_node;
	if (!np)
		return -ENODEV;
	rc = of_map_id(np, pci_dev_id(pdev), "iommu-map", "iommu-map-mask",
		       &target, sid);
	if (rc)
		return rc;
	/* No entry matched: of_map_id() leaves @target NULL ("bypass") */
	if (!target)
		return -ENODEV;
	of_node_put(target);
	return target == unit->np ? 0 : -ENODEV;
}

static struct iofd_device *smmu_probe_device(struct device *dev)
{
	struct smmu_unit *unit;
	struct pci_dev *pdev;
	struct smmu_dev *sdev;
	struct smmu_ste abort;
	u32 sid;
	int rc;

	if (!dev_is_pci(dev))
		return ERR_PTR(-ENODEV);
	pdev = to_pci_dev(dev);
	list_for_each_entry(unit, &smmu_units, node)
		if (!smmu_pci_sid(unit, pdev, &sid))
			goto found;
	return ERR_PTR(-ENODEV);

found:
	/* Only the device's own StreamID gets our STE */
	if (iofd_pci_may_alias(pdev)) {
		pci_warn(pdev, "may DMA under another requester ID: not taken\n");
		return ERR_PTR(-EINVAL);
	}
	sdev = iofd_should_fail() ? NULL : kzalloc(sizeof(*sdev), GFP_KERNEL);
	if (!sdev)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&sdev->node);
	sdev->unit = unit;
	sdev->pdev = pci_dev_get(pdev);
	sdev->sid = sid;
	snprintf(sdev->name, sizeof(sdev->name), "%s", pci_name(pdev));
	sdev->idev.driver = &smmu_driver;
	sdev->idev.dev = dev;
	sdev->idev.name = sdev->name;
	if (!(unit->idr[0] & SMMU_IDR0_S2P))
		sdev->idev.capabilities = IOMMU_HW_CAP_IOFD_SHADOW_NESTING;

	mutex_lock(&unit->lock);
	rc = smmu_stream_prepare(unit, sid);
	if (!rc) {
		smmu_ste_abort(&abort);
		smmu_write_ste(unit, sid, &abort);
		list_add_tail(&sdev->node, &unit->devices);
	}
	mutex_unlock(&unit->lock);
	if (rc) {
		pci_dev_put(pdev);
		kfree(sdev);
		return ERR_PTR(rc);
	}
	pci_info(pdev, "DMA translated by %s, StreamID %#x (was bypass)\n",
		 unit->name, sid);
	return &sdev->idev;
}

static void smmu_release_device(struct iofd_device *idev)
{
	struct smmu_dev *sdev = to_smmu_dev(idev);
	struct smmu_unit *unit = sdev->unit;
	struct smmu_ste bypass;

	WARN_ON(sdev->domain);
	smmu_ste_bypass(&bypass);
	mutex_lock(&unit->lock);
	smmu_write_ste(unit, sdev->sid, &bypass);
	list_del(&sdev->node);
	mutex_unlock(&unit->lock);
	pci_info(sdev->pdev, "back to bypass on %s\n", unit->name);
	pci_dev_put(sdev->pdev);
	kfree(sdev);
}

/* The raw ID registers, as upstream reports them */
static int smmu_hw_info(struct iofd_device *idev, void *data, size_t len,
			u32 *type)
{
	struct smmu_unit *unit = to_smmu_dev(idev)->unit;
	struct iommu_hw_info_arm_smmuv3 info = {
		.iidr = unit->iidr,
		.aidr = unit->aidr,
	};

	memcpy(info.idr, unit->idr, sizeof(info.idr));
	memcpy(data, &info, min(len, sizeof(info)));
	*type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	return sizeof(info);
}

static const struct iofd_driver_ops smmu_driver_ops = {
	.probe_device = smmu_probe_device,
	.release_device = smmu_release_device,
	.domain_alloc_paging = smmu_domain_alloc_paging,
	.attach_dev = smmu_attach_dev,
	.block_dev = smmu_block_dev,
	.hw_info = smmu_hw_info,
	.viommu_size = smmu_viommu_size,
	.viommu_init = smmu_viommu_init,
};

struct iofd_driver smmu_driver = {
	.name = "smmuv3",
	.owner = THIS_MODULE,
	.ops = &smmu_driver_ops,
};

static int smmu_platform_probe(struct platform_device *pdev)
{
	struct smmu_unit *unit;
	int rc;

	unit = devm_kzalloc(&pdev->dev, sizeof(*unit), GFP_KERNEL);
	if (!unit)
		return -ENOMEM;
	unit->dev = &pdev->dev;
	unit->np = pdev->dev.of_node;
	unit->regs = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(unit->regs))
		return PTR_ERR(unit->regs);
	mutex_lock(&smmu_units_lock);
	snprintf(unit->name, sizeof(unit->name), "smmu%u", smmu_next_index++);
	mutex_unlock(&smmu_units_lock);
	rc = smmu_unit_init(unit);
	if (rc)
		return rc;
	platform_set_drvdata(pdev, unit);
	mutex_lock(&smmu_units_lock);
	list_add_tail(&unit->node, &smmu_units);
	mutex_unlock(&smmu_units_lock);
	return 0;
}

static int smmu_platform_remove(struct platform_device *pdev)
{
	struct smmu_unit *unit = platform_get_drvdata(pdev);

	mutex_lock(&smmu_units_lock);
	list_del(&unit->node);
	mutex_unlock(&smmu_units_lock);
	smmu_unit_destroy(unit);
	return 0;
}

static const struct of_device_id smmu_of_match[] = {
	{ .compatible = "arm,smmu-v3" },
	{ }
};
MODULE_DEVICE_TABLE(of, smmu_of_match);

static struct platform_driver smmu_platform_driver = {
	.driver = {
		.name = "iofd-smmuv3",
		.of_match_table = smmu_of_match,
		.suppress_bind_attrs = true,
	},
	.probe = smmu_platform_probe,
	.remove = smmu_platform_remove,
};

/* Is any SMMUv3 of the device tree already driven (by the kernel)? */
static int smmu_check_unowned(void)
{
	struct device_node *np;
	int rc = 0;

	for_each_compatible_node(np, NULL, "arm,smmu-v3") {
		struct platform_device *pdev = of_find_device_by_node(np);

		if (pdev && pdev->dev.driver) {
			pr_err("%pOF is driven by %s: boot with initcall_blacklist=arm_smmu_driver_init (or without CONFIG_ARM_SMMU_V3) to use iofd_smmuv3\n",
			       np, pdev->dev.driver->name);
			rc = -EBUSY;
		}
		if (pdev)
			put_device(&pdev->dev);
	}
	return rc;
}

static int __init smmu_init(void)
{
	struct smmu_unit *unit;
	int rc;

	pr_info("version %s\n", IOFD_VERSION);
	rc = smmu_check_unowned();
	if (rc)
		return rc;
	rc = platform_driver_register(&smmu_platform_driver);
	if (rc)
		return rc;
	if (list_empty(&smmu_units)) {
		pr_info("no SMMUv3 taken (none in the device tree, or none usable)\n");
		platform_driver_unregister(&smmu_platform_driver);
		return -ENODEV;
	}
	smmu_debugfs_init();
	list_for_each_entry(unit, &smmu_units, node)
		smmu_debugfs_unit_init(unit);
	rc = iofd_driver_register(&smmu_driver);
	if (rc) {
		smmu_debugfs_exit();
		platform_driver_unregister(&smmu_platform_driver);
	}
	return rc;
}

static void __exit smmu_exit(void)
{
	/* Gives back the devices bound through iofd-pci first */
	iofd_driver_unregister(&smmu_driver);
	smmu_debugfs_exit();
	platform_driver_unregister(&smmu_platform_driver);
}

module_init(smmu_init);
module_exit(smmu_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("iofd-oot");
MODULE_DESCRIPTION("iofd-oot Arm SMMUv3 driver");
MODULE_VERSION(IOFD_VERSION);
