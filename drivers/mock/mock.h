/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private interface between the two halves of iofd_mock.ko: the software
 * IOMMU driver (mock.c) and the IOMMU_TEST_CMD handlers (selftest.c) that
 * create mock devices and look into mock page tables.
 */
#ifndef _IOFD_MOCK_H
#define _IOFD_MOCK_H

#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/iommufd_test.h>
#include <iofd/driver.h>

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

/**
 * struct mock_dev - a software device behind the mock IOMMU
 * @dev: what the core binds; @dev.dev is NULL (no struct device exists)
 * @flags: MOCK_FLAGS_DEVICE_* it was created with
 * @id: from mock_dev_ida, names the device
 * @rid_domain: domain translating requests without PASID, NULL if blocked
 * @pasid_domains: PASID -> struct iofd_domain of each attached PASID
 * @pasid_fake_error: the next non-blocking attach of
 *	IOMMU_TEST_PASID_RESERVED fails, to test the core's error paths
 * @cache: mock device cache (IOMMU_TEST_OP_DEV_CHECK_CACHE)
 * @name: for logs, @dev.name points here
 *
 * Lifetime: created and freed by the selftest object that owns it
 * (selftest.c), freed only after iofd_device_unbind() returned.
 * Locking: the core serialises attach_dev/block_dev of one device, which
 * are the only writers of @rid_domain, @pasid_domains and
 * @pasid_fake_error; test ops read them locklessly (READ_ONCE, xa_load).
 */
struct mock_dev {
	struct iofd_device dev;
	u32 flags;
	int id;
	struct iofd_domain *rid_domain;
	struct xarray pasid_domains;
	bool pasid_fake_error;
	u32 cache[MOCK_DEV_CACHE_NUM];
	char name[24];
};

/* mock.c */
struct mock_dev *mock_dev_create(u32 dev_flags);
void mock_dev_destroy(struct mock_dev *mdev);
struct mock_domain *to_mock_domain(struct iofd_domain *domain);
bool mock_domain_lookup(struct mock_domain *mock, unsigned long iova,
			phys_addr_t *paddr);

/* selftest.c */
int mock_selftest_init(void);
void mock_selftest_exit(void);

#endif
