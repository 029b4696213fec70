// SPDX-License-Identifier: GPL-2.0
/*
 * Nesting in the mock IOMMU: nested domains (a guest-managed stage 1 over a
 * mock nest-parent paging domain) and vIOMMUs, with the semantics and
 * errnos of upstream's iommufd selftest driver.
 *
 * There is no stage 1 to walk: a nested domain is a mock IOTLB of
 * MOCK_NESTED_DOMAIN_IOTLB_NUM entries that the guest fills at allocation
 * and clears with HWPT_INVALIDATE, so a test can see which invalidation
 * reached which entry (IOMMU_TEST_OP_MD_CHECK_IOTLB).  A second kind, an
 * iofd-oot extension, carries the guest's whole PASID table, as an SMMUv3
 * vSTE with a CD table or a VT-d bound PASID table does: the core then lets
 * it claim every PASID of the device it is attached to (seed 001).
 *
 * A vIOMMU takes a VMID (seed 002: the VMID belongs to the vIOMMU, not to
 * the stage 2, so two vIOMMUs over one nest parent get two), learns which
 * device the guest calls which virtual ID through vdevice_init, and
 * carries out the guest's device-cache invalidations by that virtual ID:
 * each mock device has a small cache (IOMMU_TEST_OP_DEV_CHECK_CACHE).
 *
 * Driver data and nested-HWPT invalidation entries are read as upstream's
 * iommu_copy_struct_from_user*() read them: more bytes than the kernel
 * knows are -EINVAL even when they are zero.  The vIOMMU's invalidation
 * entries are read as upstream's iommu_copy_struct_from_full_user_array()
 * does, which accepts a zero tail (iofd_copy_user_array_entry_ext()).
 */
#define pr_fmt(fmt) "iofd_mock: " fmt

#include <linux/idr.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include "mock.h"

/* VMIDs of live mock vIOMMUs */
static DEFINE_IDA(mock_vmid_ida);

static const struct iofd_domain_ops mock_nested_ops;
static const struct iofd_viommu_ops mock_viommu_ops;

/* NULL when @domain is not a nested domain of the mock */
struct mock_domain_nested *to_mock_nested(struct iofd_domain *domain)
{
	if (domain->driver != &mock_driver || domain->ops != &mock_nested_ops)
		return NULL;
	return container_of(domain, struct mock_domain_nested, domain);
}

/* NULL when @viommu is not a (fully set up) vIOMMU of the mock */
struct mock_viommu *to_mock_viommu(struct iofd_viommu *viommu)
{
	if (viommu->driver != &mock_driver || viommu->ops != &mock_viommu_ops)
		return NULL;
	return container_of(viommu, struct mock_viommu, core);
}

/*
 * Read and check the user's description of a nested domain into @nested.
 * -EOPNOTSUPP for a data type the mock does not know, -EINVAL for bad
 * content (the copy's own errnos: -EINVAL short or long, -EFAULT).
 */
static int mock_nested_parse(struct mock_domain_nested *nested,
			     const struct iofd_user_data *data)
{
	struct iommu_hwpt_iofd_selftest_pasid_table table;
	struct iommu_hwpt_selftest cfg;
	u32 iotlb;
	int rc, i;

	switch (data->type) {
	case IOMMU_HWPT_DATA_SELFTEST:
		rc = iofd_copy_user_data(&cfg, sizeof(cfg),
					 offsetofend(typeof(cfg), iotlb), data,
					 IOMMU_HWPT_DATA_SELFTEST);
		if (rc)
			return rc;
		iotlb = cfg.iotlb;
		break;
	case IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE:
		rc = iofd_copy_user_data(&table, sizeof(table),
					 offsetofend(typeof(table), table_addr),
					 data,
					 IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE);
		if (rc)
			return rc;
		if (!table.pasid_bits || table.pasid_bits > MOCK_PASID_WIDTH ||
		    !table.table_addr || !IS_ALIGNED(table.table_addr, SZ_4K))
			return -EINVAL;
		iotlb = table.iotlb;
		nested->pasid_bits = table.pasid_bits;
		nested->table_addr = table.table_addr;
		nested->domain.owns_pasid_table = true;
		break;
	default:
		return -EOPNOTSUPP;
	}
	for (i = 0; i != MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		nested->iotlb[i] = iotlb;
	return 0;
}

/* Common to both ways of allocating a nested domain; @mv may be NULL */
static struct iofd_domain *mock_nested_alloc(struct mock_domain *parent,
					     struct mock_viommu *mv, u32 flags,
					     const struct iofd_user_data *data)
{
	struct mock_domain_nested *nested;
	int rc;

	/* The PASID flag is all the core asks of a nested HWPT's driver */
	if (flags & ~IOFD_DOMAIN_F_PASID)
		return ERR_PTR(-EOPNOTSUPP);
	if (!parent || !(parent->flags & IOFD_DOMAIN_F_NEST_PARENT))
		return ERR_PTR(-EINVAL);
	if (WARN_ON(!data))
		return ERR_PTR(-EINVAL);
	/* A failure point standing for the allocation, for fail-nth */
	if (iofd_should_fail())
		return ERR_PTR(-ENOMEM);

	nested = kzalloc(sizeof(*nested), GFP_KERNEL_ACCOUNT);
	if (!nested)
		return ERR_PTR(-ENOMEM);
	rc = mock_nested_parse(nested, data);
	if (rc) {
		kfree(nested);
		return ERR_PTR(rc);
	}
	nested->parent = parent;
	nested->viommu = mv;
	nested->vmid = mv ? mv->vmid : 0;
	nested->domain.ops = &mock_nested_ops;
	nested->domain.driver = &mock_driver;
	nested->domain.type = IOFD_DOMAIN_NESTED;
	return &nested->domain;
}

struct iofd_domain *mock_domain_alloc_nested(struct iofd_device *dev,
					     struct iofd_domain *parent,
					     u32 flags,
					     const struct iofd_user_data *data)
{
	if (WARN_ON(!to_mock_dev(dev)))
		return ERR_PTR(-EINVAL);
	return mock_nested_alloc(parent ? to_mock_domain(parent) : NULL, NULL,
				 flags, data);
}

/*
 * attach_dev of a nested domain, after the core's own rules (PASID-table
 * claim, PASID compatibility).  As upstream's mock, a nested domain made
 * from a vIOMMU translates a RID only once the device has a vDEVICE in
 * that vIOMMU (-ENOENT): the hardware would need its virtual ID.
 */
int mock_nested_attach_check(struct mock_domain_nested *nested,
			     struct mock_dev *mdev, u32 pasid)
{
	bool known;

	if (pasid != IOFD_NO_PASID) {
		/* The core refuses this first; a PASID table has no PASID */
		if (WARN_ON(nested->domain.owns_pasid_table))
			return -EINVAL;
		return 0;
	}
	if (!nested->viommu)
		return 0;
	spin_lock(&mdev->vdev_lock);
	known = mdev->vdev_viommu == nested->viommu;
	spin_unlock(&mdev->vdev_lock);
	return known ? 0 : -ENOENT;
}

/* One HWPT_INVALIDATE entry on a nested domain: clear mock IOTLB entries */
static int mock_nested_invalidate_one(void *ctx, const void *entry)
{
	const struct iommu_hwpt_invalidate_selftest *inv = entry;
	struct mock_domain_nested *nested = ctx;
	int i;

	if (inv->flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL)
		return -EOPNOTSUPP;
	/* Checked with FLAG_ALL too, as upstream */
	if (inv->iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX)
		return -EINVAL;
	if (inv->flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) {
		for (i = 0; i != MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
			WRITE_ONCE(nested->iotlb[i], 0);
	} else {
		WRITE_ONCE(nested->iotlb[inv->iotlb_id], 0);
	}
	return 0;
}

/*
 * Entries are handled in order; the first bad one stops the walk, and
 * entry_num tells how many were done, whatever the outcome (also with no
 * entries, a wrong type is EINVAL)
 */
static int mock_nested_cache_invalidate_user(struct iofd_domain *domain,
					     struct iofd_user_array *array)
{
	struct mock_domain_nested *nested = to_mock_nested(domain);
	struct iommu_hwpt_invalidate_selftest inv;

	if (WARN_ON(!nested)) {
		array->entry_num = 0;
		return -EINVAL;
	}
	return iofd_user_array_for_each(array,
					IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					&inv, sizeof(inv),
					offsetofend(typeof(inv), iotlb_id),
					true, mock_nested_invalidate_one,
					nested);
}

static void mock_nested_free(struct iofd_domain *domain)
{
	struct mock_domain_nested *nested = to_mock_nested(domain);

	if (WARN_ON(!nested))
		return;
	kfree(nested);
}

static const struct iofd_domain_ops mock_nested_ops = {
	.cache_invalidate_user = mock_nested_cache_invalidate_user,
	.free = mock_nested_free,
};

size_t mock_viommu_size(struct iofd_device *dev, u32 type)
{
	static_assert(offsetof(struct mock_viommu, core) == 0);
	if (WARN_ON(!to_mock_dev(dev)) || type != IOMMU_VIOMMU_TYPE_SELFTEST)
		return 0;
	return sizeof(struct mock_viommu);
}

static void mock_viommu_destroy(struct iofd_viommu *viommu)
{
	struct mock_viommu *mv = to_mock_viommu(viommu);

	if (WARN_ON(!mv))
		return;
	/* The core removes every vDEVICE before the vIOMMU */
	WARN_ON(atomic_read(&mv->nr_vdevs));
	ida_free(&mock_vmid_ida, mv->vmid);
	/* The core frees the struct */
}

static struct iofd_domain *
mock_viommu_alloc_domain_nested(struct iofd_viommu *viommu,
				struct iofd_device *dev, u32 flags,
				const struct iofd_user_data *data)
{
	struct mock_viommu *mv = to_mock_viommu(viommu);

	if (WARN_ON(!mv || !to_mock_dev(dev)))
		return ERR_PTR(-EINVAL);
	return mock_nested_alloc(mv->s2_parent, mv, flags, data);
}

/*
 * One guest device-cache invalidation, addressed by virtual device ID.
 * The device is looked up and its cache written under xa_lock of the
 * vdevs, which keeps it bound meanwhile.
 */
static int mock_viommu_invalidate_one(void *ctx, const void *entry)
{
	const struct iommu_viommu_invalidate_selftest *inv = entry;
	struct iofd_viommu *viommu = ctx;
	struct iofd_device *dev;
	struct mock_dev *mdev;
	int i;

	if (inv->flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL)
		return -EOPNOTSUPP;
	/* Checked with FLAG_ALL too, as upstream */
	if (inv->cache_id > MOCK_DEV_CACHE_ID_MAX)
		return -EINVAL;

	xa_lock(&viommu->vdevs);
	dev = iofd_viommu_find_dev(viommu, inv->vdev_id);
	/* The core only lets the vIOMMU's driver's devices in */
	mdev = dev ? to_mock_dev(dev) : NULL;
	WARN_ON(dev && !mdev);
	if (mdev && (inv->flags & IOMMU_TEST_INVALIDATE_FLAG_ALL)) {
		for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
			WRITE_ONCE(mdev->cache[i], 0);
	} else if (mdev) {
		WRITE_ONCE(mdev->cache[inv->cache_id], 0);
	}
	xa_unlock(&viommu->vdevs);
	return mdev ? 0 : -EINVAL;
}

/* entry_num tells how many entries were done, whatever the outcome */
static int mock_viommu_cache_invalidate(struct iofd_viommu *viommu,
					struct iofd_user_array *array)
{
	struct iommu_viommu_invalidate_selftest inv;

	/* Entries may be longer than ours with a zero tail (the _ext rule) */
	return iofd_user_array_for_each(array,
					IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					&inv, sizeof(inv),
					offsetofend(typeof(inv), cache_id),
					false, mock_viommu_invalidate_one,
					viommu);
}

/* The core has already made @virt_id find @dev in viommu->vdevs */
static int mock_viommu_vdevice_init(struct iofd_viommu *viommu,
				    struct iofd_device *dev, u64 virt_id)
{
	struct mock_viommu *mv = to_mock_viommu(viommu);
	struct mock_dev *mdev = to_mock_dev(dev);
	int rc = 0;

	if (WARN_ON(!mv || !mdev))
		return -EINVAL;
	spin_lock(&mdev->vdev_lock);
	/* The core allows one vDEVICE per device */
	if (WARN_ON(mdev->vdev_viommu)) {
		rc = -EBUSY;
	} else {
		mdev->vdev_viommu = mv;
		mdev->virt_id = virt_id;
	}
	spin_unlock(&mdev->vdev_lock);
	if (!rc)
		atomic_inc(&mv->nr_vdevs);
	return rc;
}

static void mock_viommu_vdevice_destroy(struct iofd_viommu *viommu,
					struct iofd_device *dev, u64 virt_id)
{
	struct mock_viommu *mv = to_mock_viommu(viommu);
	struct mock_dev *mdev = to_mock_dev(dev);
	bool ours;

	if (WARN_ON(!mv || !mdev))
		return;
	spin_lock(&mdev->vdev_lock);
	ours = mdev->vdev_viommu == mv && mdev->virt_id == virt_id;
	if (ours) {
		mdev->vdev_viommu = NULL;
		mdev->virt_id = 0;
	}
	spin_unlock(&mdev->vdev_lock);
	/* Only for a vdevice_init that succeeded */
	if (!WARN_ON(!ours))
		atomic_dec(&mv->nr_vdevs);
}

static const struct iofd_viommu_ops mock_viommu_ops = {
	.destroy = mock_viommu_destroy,
	.alloc_domain_nested = mock_viommu_alloc_domain_nested,
	.cache_invalidate = mock_viommu_cache_invalidate,
	.vdevice_init = mock_viommu_vdevice_init,
	.vdevice_destroy = mock_viommu_vdevice_destroy,
};

/*
 * Set up a vIOMMU over viommu->parent.  With @data (type
 * IOMMU_VIOMMU_TYPE_SELFTEST) the mock echoes in_data into out_data, as
 * upstream's does, so a test sees data travel both ways; it exports no
 * page, so out_mmap_offset and out_mmap_length are 0.  On failure nothing
 * is left behind (the core does not call ->destroy then).
 */
int mock_viommu_init(struct iofd_viommu *viommu, struct iofd_device *dev,
		     const struct iofd_user_data *data)
{
	struct mock_viommu *mv = container_of(viommu, struct mock_viommu, core);
	struct mock_domain *parent = to_mock_domain(viommu->parent);
	struct iommu_viommu_selftest sel;
	int vmid, rc;

	if (WARN_ON(!to_mock_dev(dev)) ||
	    viommu->type != IOMMU_VIOMMU_TYPE_SELFTEST)
		return -EOPNOTSUPP;
	/* The core checked this already; the VMID pairs with a stage 2 */
	if (!parent || !(parent->flags & IOFD_DOMAIN_F_NEST_PARENT))
		return -EINVAL;
	if (data) {
		/* out_data is part of the minimum, as upstream */
		rc = iofd_copy_user_data(&sel, sizeof(sel),
					 offsetofend(typeof(sel), out_data),
					 data, IOMMU_VIOMMU_TYPE_SELFTEST);
		if (rc)
			return rc;
	}

	vmid = ida_alloc_range(&mock_vmid_ida, 1, MOCK_VMID_MAX, GFP_KERNEL);
	if (vmid < 0)
		return vmid;
	/* A failure point after the VMID, for fail-nth to test the undo */
	if (iofd_should_fail()) {
		rc = -ENOMEM;
		goto err_free_vmid;
	}
	if (data) {
		sel.out_data = sel.in_data;
		sel.out_mmap_offset = 0;
		sel.out_mmap_length = 0;
		rc = iofd_copy_to_user_data(data, &sel, sizeof(sel));
		if (rc)
			goto err_free_vmid;
	}

	mv->s2_parent = parent;
	mv->vmid = vmid;
	atomic_set(&mv->nr_vdevs, 0);
	viommu->ops = &mock_viommu_ops;
	return 0;

err_free_vmid:
	ida_free(&mock_vmid_ida, vmid);
	return rc;
}

/* Module exit: every vIOMMU is gone (each pins the module via its parent) */
void mock_nested_exit(void)
{
	WARN_ON(!ida_is_empty(&mock_vmid_ida));
	ida_destroy(&mock_vmid_ida);
}
