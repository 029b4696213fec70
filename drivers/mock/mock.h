/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private interface between the parts of iofd_mock.ko: the software IOMMU
 * driver (mock.c: paging domains, attach), its nesting support (nested.c:
 * nested domains, vIOMMUs) and the IOMMU_TEST_CMD handlers (selftest.c)
 * that create mock devices and look into mock tables and caches.
 *
 * Lifetime order, innermost first: a nested domain lives shorter than its
 * vIOMMU, which lives shorter than its nest-parent paging domain (the core's
 * users references); a mock device outlives every domain attached to it
 * and its vDEVICE (the core detaches and removes them at unbind).
 */
#ifndef _IOFD_MOCK_H
#define _IOFD_MOCK_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <linux/iommufd_test.h>
#include <iofd/driver.h>
#include <iofd/core.h>

/*
 * IOPTE sizes.  Half a CPU page, as upstream's mock, so that a CPU page is
 * never one IOPTE and the core's sub-page offset handling is exercised (and
 * so that speed comparisons with upstream's mock are like for like).
 */
#define MOCK_IO_PAGE_SIZE	(PAGE_SIZE / 2)
#define MOCK_HUGE_PAGE_SIZE	(512 * MOCK_IO_PAGE_SIZE)

#define MOCK_DEVICE_FLAGS_ALL	(MOCK_FLAGS_DEVICE_NO_DIRTY |		\
				 MOCK_FLAGS_DEVICE_HUGE_IOVA |		\
				 MOCK_FLAGS_DEVICE_PASID)

/**
 * struct mock_domain - a paging domain of the mock IOMMU
 * @domain: what the core sees
 * @flags: IOFD_DOMAIN_F_* it was allocated with
 * @pfns: the page table: IOVA / MOCK_IO_PAGE_SIZE -> xa_mk_value() of a
 *	MOCK_PTE_* word (see mock.c)
 *
 * Lifetime: allocated by domain_alloc_paging, freed by ops->free once the
 * core has detached every device and unmapped everything.
 * Locking: map/unmap of one domain are serialised by the core; test ops
 * read @pfns concurrently with them, which the xarray's RCU-safe loads
 * allow.  A reader may see a range half mapped, never a torn entry.
 */
struct mock_domain {
	struct iofd_domain domain;
	u32 flags;
	struct xarray pfns;
};

/* VMIDs the mock hands out to vIOMMUs: 16 bits, as SMMUv3's, never 0 */
#define MOCK_VMID_MAX		0xffff

/**
 * struct mock_domain_nested - a nested domain of the mock IOMMU
 * @domain: what the core sees; @domain.owns_pasid_table for the
 *	IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE kind
 * @parent: the nest parent (the guest's stage 2)
 * @viommu: the vIOMMU it was allocated from, NULL when allocated straight
 *	from @parent
 * @vmid: @viommu's VMID, 0 without a vIOMMU
 * @iotlb: the mock IOTLB, IOMMU_TEST_OP_MD_CHECK_IOTLB reads it
 * @pasid_bits: PASID-table kind: log2 of the PASIDs the guest table covers
 * @table_addr: PASID-table kind: guest-physical address of that table
 *
 * Lifetime: allocated by domain_alloc_nested or the vIOMMU's
 * alloc_domain_nested, freed by ops->free once nothing is attached.  The
 * core's nested HWPT holds its parent HWPT and its vIOMMU, so @parent and
 * @viommu outlive it.
 * Locking: HWPT_INVALIDATE and MD_CHECK_IOTLB may run concurrently on one
 * domain and are not serialised by the core: every @iotlb entry is a u32
 * written with WRITE_ONCE and read with READ_ONCE, so a reader sees either
 * value, never a torn one.  Everything else is set before the domain is
 * published and never changes.
 */
struct mock_domain_nested {
	struct iofd_domain domain;
	struct mock_domain *parent;
	struct mock_viommu *viommu;
	u32 vmid;
	u32 iotlb[MOCK_NESTED_DOMAIN_IOTLB_NUM];
	u32 pasid_bits;
	u64 table_addr;
};

/**
 * struct mock_viommu - a vIOMMU of the mock IOMMU (IOMMU_VIOMMU_TYPE_SELFTEST)
 * @core: what the core sees; must be first (the core allocates
 *	viommu_size() bytes and frees them after ops->destroy)
 * @s2_parent: @core.parent as a mock paging domain (the nest parent)
 * @vmid: from mock_vmid_ida, unique among live mock vIOMMUs, never 0
 * @nr_vdevs: vDEVICEs the core told the mock about (vdevice_init minus
 *	vdevice_destroy), reported by IOMMU_TEST_OP_IOFD_VIOMMU_INFO
 *
 * Lifetime: viommu_init to ops->destroy.  The core's vIOMMU holds the nest
 * parent HWPT, whose domain pins this module, and each vDEVICE and nested
 * HWPT made from it holds the vIOMMU.
 * Locking: @s2_parent and @vmid are set by viommu_init before the vIOMMU
 * is published and never change; @nr_vdevs is atomic.
 */
struct mock_viommu {
	struct iofd_viommu core;
	struct mock_domain *s2_parent;
	u32 vmid;
	atomic_t nr_vdevs;
};

/**
 * struct mock_dev - a software device behind the mock IOMMU
 * @dev: what the core binds; @dev.dev is NULL (no struct device exists)
 * @flags: MOCK_FLAGS_DEVICE_* it was created with
 * @id: from mock_dev_ida, names the device
 * @rid_domain: domain (paging or nested) translating requests without
 *	PASID, NULL if blocked
 * @pasid_domains: PASID -> struct iofd_domain of each attached PASID
 * @pasid_fake_error: the next non-blocking attach of
 *	IOMMU_TEST_PASID_RESERVED fails, to test the core's error paths
 * @vdev_lock: protects @vdev_viommu and @virt_id
 * @vdev_viommu: the vIOMMU in which the device has a vDEVICE, or NULL
 * @virt_id: the guest's ID of the device in @vdev_viommu
 * @cache: mock device cache (IOMMU_TEST_OP_DEV_CHECK_CACHE); cleared by
 *	the vIOMMU's cache_invalidate
 * @name: for logs, @dev.name points here
 *
 * Lifetime: created and freed by the selftest object that owns it
 * (selftest.c), freed only after iofd_device_unbind() returned, which also
 * removed its vDEVICE (so @vdev_viommu is NULL by then).
 * Locking: the core serialises attach_dev/block_dev of one device, which
 * are the only writers of @rid_domain, @pasid_domains and
 * @pasid_fake_error; test ops read them locklessly (READ_ONCE, xa_load).
 * vdevice_init/vdevice_destroy run outside that serialisation, hence
 * @vdev_lock (a spinlock, innermost).  @cache entries are u32s written
 * with WRITE_ONCE under xa_lock of the vIOMMU's vdevs (which keeps the
 * device bound) and read with READ_ONCE.
 */
struct mock_dev {
	struct iofd_device dev;
	u32 flags;
	int id;
	struct iofd_domain *rid_domain;
	struct xarray pasid_domains;
	bool pasid_fake_error;
	spinlock_t vdev_lock;	/* vdev_viommu, virt_id */
	struct mock_viommu *vdev_viommu;
	u64 virt_id;
	u32 cache[MOCK_DEV_CACHE_NUM];
	char name[24];
};

/* mock.c */
extern struct iofd_driver mock_driver;
struct mock_dev *mock_dev_create(u32 dev_flags);
void mock_dev_destroy(struct mock_dev *mdev);
struct mock_dev *to_mock_dev(struct iofd_device *dev);
struct mock_domain *to_mock_domain(struct iofd_domain *domain);
bool mock_domain_lookup(struct mock_domain *mock, unsigned long iova,
			phys_addr_t *paddr);

/* nested.c */
struct iofd_domain *mock_domain_alloc_nested(struct iofd_device *dev,
					     struct iofd_domain *parent,
					     u32 flags,
					     const struct iofd_user_data *data);
struct mock_domain_nested *to_mock_nested(struct iofd_domain *domain);
int mock_nested_attach_check(struct mock_domain_nested *nested,
			     struct mock_dev *mdev, u32 pasid);
size_t mock_viommu_size(struct iofd_device *dev, u32 type);
int mock_viommu_init(struct iofd_viommu *viommu, struct iofd_device *dev,
		     const struct iofd_user_data *data);
struct mock_viommu *to_mock_viommu(struct iofd_viommu *viommu);
void mock_nested_exit(void);

/* selftest.c */
int mock_selftest_init(void);
void mock_selftest_exit(void);

#endif
