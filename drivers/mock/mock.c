// SPDX-License-Identifier: GPL-2.0
/*
 * The mock IOMMU: a software IOMMU driver with no hardware behind it, so
 * that the whole core (IOAS, HWPT, device attach, pinning) can be tested
 * anywhere, as upstream's iommufd selftest does.
 *
 * A mock page table is an xarray indexed by IOVA / MOCK_IO_PAGE_SIZE.  Each
 * entry is a value entry holding the physical address / MOCK_IO_PAGE_SIZE
 * plus markers of how the core built it: MOCK_PTE_START on the first and
 * MOCK_PTE_LAST on the last IOPTE of every map_pages call, MOCK_PTE_HUGE
 * on every IOPTE of a call that used MOCK_HUGE_PAGE_SIZE.  The markers let
 * unmap_pages check the core's promise (include/iofd/driver.h) that it
 * only unmaps whole earlier map_pages calls: a real page table could not
 * cut a range it never mapped with those boundaries, so a WARN here is a
 * core bug even though the mock itself would cope.
 *
 * attach_dev takes paging and nested domains (nested.c) alike: the device
 * only records which domain its RID and each PASID use, which is what
 * IOMMU_TEST_OP_PASID_CHECK_HWPT compares with the core's view.
 */
#define pr_fmt(fmt) "iofd_mock: " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/idr.h>
#include <linux/bits.h>
#include <linux/overflow.h>
#include <iofd/core.h>
#include "mock.h"

/* An xarray value entry has BITS_PER_LONG - 1 usable bits */
#define MOCK_PTE_PFN		GENMASK(BITS_PER_LONG - 6, 0)
#define MOCK_PTE_START		BIT(BITS_PER_LONG - 5)
#define MOCK_PTE_LAST		BIT(BITS_PER_LONG - 4)
#define MOCK_PTE_HUGE		BIT(BITS_PER_LONG - 3)

static DEFINE_IDA(mock_dev_ida);
static const struct iofd_domain_ops mock_domain_ops;

/* NULL when @domain belongs to another driver */
struct mock_domain *to_mock_domain(struct iofd_domain *domain)
{
	if (domain->driver != &mock_driver || domain->ops != &mock_domain_ops)
		return NULL;
	return container_of(domain, struct mock_domain, domain);
}

/* NULL when @dev belongs to another driver */
struct mock_dev *to_mock_dev(struct iofd_device *dev)
{
	if (dev->driver != &mock_driver)
		return NULL;
	return container_of(dev, struct mock_dev, dev);
}

/* The physical address the IOPTE at @iova points to, if one is present */
bool mock_domain_lookup(struct mock_domain *mock, unsigned long iova,
			phys_addr_t *paddr)
{
	void *ent = xa_load(&mock->pfns, iova / MOCK_IO_PAGE_SIZE);

	if (!ent)
		return false;
	*paddr = (phys_addr_t)(xa_to_value(ent) & MOCK_PTE_PFN) *
		 MOCK_IO_PAGE_SIZE + iova % MOCK_IO_PAGE_SIZE;
	return true;
}

/*
 * IOPTEs stored or erased per hold of the xarray lock: a long range does
 * not keep the lock (and test ops' readers) waiting for the whole call
 */
#define MOCK_LOCK_BATCH		512

/*
 * Store @nr IOPTEs from index @first, pointing at @pfn onwards, in one walk
 * of the xarray (xas_next() moves within a node instead of descending from
 * the root for every IOPTE, as xa_insert() would).  *@done = how many were
 * stored; -EBUSY on a present IOPTE, -ENOMEM.
 */
static int mock_pte_store(struct xarray *xa, unsigned long first,
			  unsigned long nr, unsigned long pfn,
			  unsigned long huge, gfp_t gfp, unsigned long *done)
{
	XA_STATE(xas, xa, first);
	unsigned long n = 0;

	do {
		xas_lock(&xas);
		while (n != nr) {
			unsigned long pte = (pfn + n) | huge;

			if (n == 0)
				pte |= MOCK_PTE_START;
			if (n == nr - 1)
				pte |= MOCK_PTE_LAST;
			if (xas_load(&xas)) {
				xas_set_err(&xas, -EBUSY);
				break;
			}
			xas_store(&xas, xa_mk_value(pte));
			if (xas_error(&xas))
				break;
			if (++n % MOCK_LOCK_BATCH == 0 && n != nr) {
				xas_unlock(&xas);
				xas_lock(&xas);
				xas_set(&xas, first + n);
			} else {
				xas_next(&xas);
			}
		}
		xas_unlock(&xas);
	} while (xas_nomem(&xas, gfp));
	*done = n;
	return xas_error(&xas);
}

static int mock_map_pages(struct iofd_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_domain *mock = to_mock_domain(domain);
	unsigned long first = iova / MOCK_IO_PAGE_SIZE;
	unsigned long pfn = paddr / MOCK_IO_PAGE_SIZE;
	unsigned long huge = 0;
	unsigned long n, nr;
	size_t length;
	int rc = 0;

	*mapped = 0;
	/* Everything below is a promise of the core; breaking it is a bug */
	if (WARN_ON(!mock || !is_power_of_2(pgsize) ||
		    !(pgsize & domain->pgsize_bitmap) || !pgcount ||
		    iova % pgsize || paddr % pgsize ||
		    check_mul_overflow(pgsize, pgcount, &length) ||
		    iova < domain->aperture_start ||
		    iova > domain->aperture_last ||
		    length - 1 > domain->aperture_last - iova))
		return -EINVAL;
	nr = length / MOCK_IO_PAGE_SIZE;
	if (WARN_ON(pfn + nr - 1 > MOCK_PTE_PFN))
		return -EINVAL;

	/* One failure point per call, so fail-nth walks every map */
	if (iofd_should_fail())
		return -ENOMEM;

	if (pgsize != MOCK_IO_PAGE_SIZE)
		huge = MOCK_PTE_HUGE;
	rc = mock_pte_store(&mock->pfns, first, nr, pfn, huge, gfp, &n);
	if (!rc) {
		*mapped = length;
		return 0;
	}

	/*
	 * Take back this call's IOPTEs: reporting a partial map would leave
	 * an IOPTE without MOCK_PTE_LAST that the core then has to unmap.
	 */
	if (rc == -EBUSY) {
		WARN(1, "map over a present IOPTE at IOVA %#lx\n",
		     (first + n) * MOCK_IO_PAGE_SIZE);
		rc = -EEXIST;
	}
	while (n--)
		xa_erase(&mock->pfns, first + n);
	return rc;
}

static size_t mock_unmap_pages(struct iofd_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount)
{
	struct mock_domain *mock = to_mock_domain(domain);
	unsigned long first = iova / MOCK_IO_PAGE_SIZE;
	bool missing = false, bad_start = false, bad_last = false;
	XA_STATE(xas, &mock->pfns, first);
	unsigned long n, nr;
	size_t length;
	void *ent;

	if (WARN_ON(!mock || !pgsize || pgsize % MOCK_IO_PAGE_SIZE ||
		    iova % MOCK_IO_PAGE_SIZE ||
		    check_mul_overflow(pgsize, pgcount, &length)))
		return 0;
	nr = length / MOCK_IO_PAGE_SIZE;

	/* One walk, as mock_pte_store(); erasing never allocates */
	xas_lock(&xas);
	ent = xas_load(&xas);
	for (n = 0; n != nr;) {
		if (ent) {
			unsigned long pte = xa_to_value(ent);

			if (n == 0 && !(pte & MOCK_PTE_START))
				bad_start = true;
			if (n == nr - 1 && !(pte & MOCK_PTE_LAST))
				bad_last = true;
			xas_store(&xas, NULL);
		} else {
			missing = true;
		}
		if (++n == nr)
			break;
		if (n % MOCK_LOCK_BATCH == 0) {
			xas_unlock(&xas);
			xas_lock(&xas);
			xas_set(&xas, first + n);
			ent = xas_load(&xas);
		} else {
			ent = xas_next(&xas);
		}
	}
	xas_unlock(&xas);
	WARN(missing, "unmap of IOVA never mapped in [%#lx, +%#zx)\n", iova,
	     length);
	WARN(bad_start, "unmap starts inside a mapping at IOVA %#lx\n", iova);
	WARN(bad_last, "unmap ends inside a mapping at IOVA %#lx\n",
	     iova + length);
	return length;
}

static phys_addr_t mock_iova_to_phys(struct iofd_domain *domain,
				     unsigned long iova)
{
	struct mock_domain *mock = to_mock_domain(domain);
	phys_addr_t paddr;

	if (WARN_ON(!mock) || !mock_domain_lookup(mock, iova, &paddr))
		return 0;
	return paddr;
}

static void mock_domain_free(struct iofd_domain *domain)
{
	struct mock_domain *mock = to_mock_domain(domain);

	if (WARN_ON(!mock))
		return;
	/* The core unmaps everything first; leftovers are leaked IOVA */
	WARN_ON(!xa_empty(&mock->pfns));
	xa_destroy(&mock->pfns);
	kfree(mock);
}

static const struct iofd_domain_ops mock_domain_ops = {
	.map_pages = mock_map_pages,
	.unmap_pages = mock_unmap_pages,
	.iova_to_phys = mock_iova_to_phys,
	.free = mock_domain_free,
};

static struct iofd_domain *mock_domain_alloc_paging(struct iofd_device *dev,
						    u32 flags)
{
	const u32 supported = IOFD_DOMAIN_F_NEST_PARENT |
			      IOFD_DOMAIN_F_DIRTY_TRACKING |
			      IOFD_DOMAIN_F_PASID;
	struct mock_dev *mdev = to_mock_dev(dev);
	struct mock_domain *mock;

	if (WARN_ON(!mdev))
		return ERR_PTR(-EINVAL);
	if (flags & ~supported)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOFD_DOMAIN_F_DIRTY_TRACKING) &&
	    (mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return ERR_PTR(-EOPNOTSUPP);

	mock = kzalloc(sizeof(*mock), GFP_KERNEL_ACCOUNT);
	if (!mock)
		return ERR_PTR(-ENOMEM);
	mock->flags = flags;
	xa_init(&mock->pfns);
	mock->domain.ops = &mock_domain_ops;
	mock->domain.driver = &mock_driver;
	mock->domain.type = IOFD_DOMAIN_PAGING;
	mock->domain.pgsize_bitmap = MOCK_IO_PAGE_SIZE;
	if (mdev->flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		mock->domain.pgsize_bitmap |= MOCK_HUGE_PAGE_SIZE;
	mock->domain.aperture_start = MOCK_APERTURE_START;
	mock->domain.aperture_last = MOCK_APERTURE_LAST;
	return &mock->domain;
}

/* Whether @domain (paging or nested) may translate @mdev's RID or @pasid */
static int mock_attach_check(struct iofd_domain *domain, struct mock_dev *mdev,
			     u32 pasid)
{
	struct mock_domain_nested *nested;
	struct mock_domain *mock;

	switch (domain->type) {
	case IOFD_DOMAIN_PAGING:
		mock = to_mock_domain(domain);
		if (!mock)
			return -EINVAL;
		/* A NO_DIRTY device's IOMMU cannot walk a dirty-tracking table */
		if ((mock->flags & IOFD_DOMAIN_F_DIRTY_TRACKING) &&
		    (mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
			return -EINVAL;
		return 0;
	case IOFD_DOMAIN_NESTED:
		/* Stage 1 only: no dirty bits to track, as upstream's mock */
		nested = to_mock_nested(domain);
		if (!nested)
			return -EINVAL;
		return mock_nested_attach_check(nested, mdev, pasid);
	default:
		return -EINVAL;
	}
}

static int mock_attach_dev(struct iofd_domain *domain, struct iofd_device *dev,
			   u32 pasid)
{
	struct mock_dev *mdev = to_mock_dev(dev);
	void *old;
	int rc;

	if (WARN_ON(!mdev))
		return -EINVAL;
	rc = mock_attach_check(domain, mdev, pasid);
	if (rc)
		return rc;

	if (pasid == IOFD_NO_PASID) {
		WRITE_ONCE(mdev->rid_domain, domain);
		return 0;
	}

	if (!mdev->dev.max_pasid_log2 ||
	    pasid >= BIT_ULL(mdev->dev.max_pasid_log2))
		return -EINVAL;
	/*
	 * As upstream's mock: every second attach of the reserved PASID
	 * fails, so a test can make a replace fail after a good attach and
	 * check that the core leaves the old domain in place.
	 */
	if (pasid == IOMMU_TEST_PASID_RESERVED && mdev->pasid_fake_error) {
		mdev->pasid_fake_error = false;
		return -ENOMEM;
	}
	/* xa_store() replaces in one step: DMA never sees an empty slot */
	old = xa_store(&mdev->pasid_domains, pasid, domain, GFP_KERNEL);
	if (xa_is_err(old))
		return xa_err(old);
	if (pasid == IOMMU_TEST_PASID_RESERVED)
		mdev->pasid_fake_error = true;
	return 0;
}

static void mock_block_dev(struct iofd_device *dev, u32 pasid)
{
	struct mock_dev *mdev = to_mock_dev(dev);

	if (WARN_ON(!mdev))
		return;
	if (pasid == IOFD_NO_PASID) {
		WRITE_ONCE(mdev->rid_domain, NULL);
		return;
	}
	xa_erase(&mdev->pasid_domains, pasid);
	if (pasid == IOMMU_TEST_PASID_RESERVED)
		mdev->pasid_fake_error = false;
}

static int mock_hw_info(struct iofd_device *dev, void *data, size_t len,
			u32 *type)
{
	struct iommu_test_hw_info info = {
		.flags = 0,
		.test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL,
	};

	memcpy(data, &info, min(len, sizeof(info)));
	*type = IOMMU_HW_INFO_TYPE_SELFTEST;
	return sizeof(info);
}

/*
 * claim_pci=VVVV:DDDD makes the mock IOMMU "translate" PCI devices with
 * that vendor:device ID when bound through iofd-pci, so the binding path
 * can be tested without a hardware driver.  Nothing translates their real
 * DMA: the test leaves bus mastering off.  Empty (default): no claim.
 */
static char mock_claim_pci[16];
module_param_string(claim_pci, mock_claim_pci, sizeof(mock_claim_pci), 0644);
MODULE_PARM_DESC(claim_pci,
		 "vendor:device (hex) of PCI devices the mock IOMMU takes through iofd-pci (test only)");

static struct iofd_device *mock_probe_device(struct device *dev)
{
	unsigned int vendor, device;
	struct mock_dev *mdev;
	struct pci_dev *pdev;

	if (!dev_is_pci(dev) ||
	    sscanf(mock_claim_pci, "%x:%x", &vendor, &device) != 2)
		return ERR_PTR(-ENODEV);
	pdev = to_pci_dev(dev);
	if (pdev->vendor != vendor || pdev->device != device)
		return ERR_PTR(-ENODEV);
	mdev = mock_dev_create(MOCK_FLAGS_DEVICE_PASID);
	if (IS_ERR(mdev))
		return ERR_CAST(mdev);
	mdev->dev.dev = dev;
	return &mdev->dev;
}

static void mock_release_device(struct iofd_device *idevice)
{
	mock_dev_destroy(to_mock_dev(idevice));
}

static const struct iofd_driver_ops mock_driver_ops = {
	.probe_device = mock_probe_device,
	.release_device = mock_release_device,
	.domain_alloc_paging = mock_domain_alloc_paging,
	.attach_dev = mock_attach_dev,
	.block_dev = mock_block_dev,
	.hw_info = mock_hw_info,
	.domain_alloc_nested = mock_domain_alloc_nested,
	.viommu_size = mock_viommu_size,
	.viommu_init = mock_viommu_init,
};

struct iofd_driver mock_driver = {
	.name = "mock",
	.owner = THIS_MODULE,
	.ops = &mock_driver_ops,
};

/* Undo with mock_dev_destroy() */
struct mock_dev *mock_dev_create(u32 dev_flags)
{
	struct mock_dev *mdev;
	int i;

	if (WARN_ON(dev_flags & ~MOCK_DEVICE_FLAGS_ALL))
		return ERR_PTR(-EOPNOTSUPP);
	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL_ACCOUNT);
	if (!mdev)
		return ERR_PTR(-ENOMEM);
	mdev->id = ida_alloc(&mock_dev_ida, GFP_KERNEL);
	if (mdev->id < 0) {
		int rc = mdev->id;

		kfree(mdev);
		return ERR_PTR(rc);
	}
	snprintf(mdev->name, sizeof(mdev->name), "iofd_mock%d", mdev->id);
	mdev->flags = dev_flags;
	xa_init(&mdev->pasid_domains);
	spin_lock_init(&mdev->vdev_lock);
	for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		mdev->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
	mdev->dev.driver = &mock_driver;
	mdev->dev.name = mdev->name;
	if (dev_flags & MOCK_FLAGS_DEVICE_PASID)
		mdev->dev.max_pasid_log2 = MOCK_PASID_WIDTH;
	return mdev;
}

/* Only once no context has @mdev bound */
void mock_dev_destroy(struct mock_dev *mdev)
{
	/* Unbind blocks everything; a domain left here would be freed soon */
	WARN_ON(READ_ONCE(mdev->rid_domain));
	WARN_ON(!xa_empty(&mdev->pasid_domains));
	/* Unbind removed the vDEVICE, which told vdevice_destroy */
	WARN_ON(READ_ONCE(mdev->vdev_viommu));
	xa_destroy(&mdev->pasid_domains);
	ida_free(&mock_dev_ida, mdev->id);
	kfree(mdev);
}

static int __init mock_init(void)
{
	int rc;

	pr_info("version %s\n", IOFD_VERSION);
	rc = iofd_driver_register(&mock_driver);
	if (rc)
		return rc;
	rc = mock_selftest_init();
	if (rc)
		goto err_unregister_driver;
	return 0;

err_unregister_driver:
	iofd_driver_unregister(&mock_driver);
	return rc;
}

static void __exit mock_exit(void)
{
	mock_selftest_exit();
	iofd_driver_unregister(&mock_driver);
	mock_nested_exit();
	ida_destroy(&mock_dev_ida);
}

module_init(mock_init);
module_exit(mock_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("iofd-oot");
MODULE_DESCRIPTION("iofd mock IOMMU driver and IOMMU_TEST_CMD handler");
MODULE_VERSION(IOFD_VERSION);
