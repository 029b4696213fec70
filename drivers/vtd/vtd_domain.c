// SPDX-License-Identifier: GPL-2.0
/*
 * Paging domains: a second-level table and a domain ID on one unit, and
 * attaching devices' RID / PASIDs to them.
 *
 * IOTLB invalidation after map and unmap.  CAP.CM (QEMU's caching-mode)
 * lets the unit cache not-present entries, so maps are invalidated too.
 * A domain nobody uses has nothing cached: attach raises @users (under
 * the unit lock) before it writes the PASID entry, map reads @users after
 * it wrote the IOPTEs, with a full barrier on both sides, so either the
 * map invalidates or the unit first sees the domain with the IOPTEs in.
 */
#define pr_fmt(fmt) "iofd_vtd: " fmt

#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <asm/cacheflush.h>
#include "vtd.h"
#include "vtd_entries.h"

static void vtd_domain_flush_cb(void *va, size_t len)
{
	clflush_cache_range(va, len);
}

/* Invalidate [@iova, @iova + @len) of @vd if any device may have it */
static void vtd_domain_invalidate(struct vtd_domain *vd, u64 iova, u64 len)
{
	struct vtd_unit *unit = vd->unit;
	struct vtd_qi_desc desc;
	u64 addr;
	int am;

	smp_mb();	/* IOPTE writes before the @users read; see above */
	if (!READ_ONCE(vd->users))
		return;
	am = -1;
	if (unit->cap & VTD_CAP_PSI)
		am = vtd_qi_psi_order(iova, iova + len - 1,
				      FIELD_GET(VTD_CAP_MAMV, unit->cap),
				      &addr);
	desc = am < 0 ? vtd_qi_iotlb_domain(vd->did) :
			vtd_qi_iotlb_pages(vd->did, addr, am, false);
	vtd_qi_submit(unit, &desc, 1);
}

static int vtd_map_pages(struct iofd_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, gfp_t gfp, size_t *mapped)
{
	struct vtd_domain *vd = to_vtd_domain(domain);
	int rc;

	rc = vtd_pgtable_map(&vd->pt, iova, paddr, pgsize, pgcount,
			     prot & IOFD_PROT_READ, prot & IOFD_PROT_WRITE,
			     gfp, mapped);
	if (*mapped)
		vtd_domain_invalidate(vd, iova, *mapped);
	return rc;
}

static size_t vtd_unmap_pages(struct iofd_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount)
{
	struct vtd_domain *vd = to_vtd_domain(domain);
	LIST_HEAD(freelist);
	size_t unmapped;

	unmapped = vtd_pgtable_unmap(&vd->pt, iova, pgsize, pgcount,
				     &freelist);
	if (unmapped)
		vtd_domain_invalidate(vd, iova, (u64)pgsize * pgcount);
	/* Table pages only after the unit can no longer walk them */
	vtd_pgtable_free_list(&freelist);
	return unmapped;
}

static phys_addr_t vtd_iova_to_phys(struct iofd_domain *domain,
				    unsigned long iova)
{
	return vtd_pgtable_iova_to_phys(&to_vtd_domain(domain)->pt, iova);
}

static void vtd_domain_free(struct iofd_domain *domain)
{
	struct vtd_domain *vd = to_vtd_domain(domain);

	WARN_ON(vd->users);
	vtd_pgtable_destroy(&vd->pt);
	ida_free(&vd->unit->dids, vd->did);
	kfree(vd);
}

const struct iofd_domain_ops vtd_domain_ops = {
	.map_pages = vtd_map_pages,
	.unmap_pages = vtd_unmap_pages,
	.iova_to_phys = vtd_iova_to_phys,
	.free = vtd_domain_free,
};

struct iofd_domain *vtd_domain_alloc_paging(struct iofd_device *idev,
					    u32 flags)
{
	struct vtd_unit *unit = to_vtd_dev(idev)->unit;
	unsigned int ndoms;
	struct vtd_domain *vd;
	int did, rc;

	/* Nesting and dirty tracking come with their own work */
	if (flags & ~IOFD_DOMAIN_F_PASID)
		return ERR_PTR(-EOPNOTSUPP);
	vd = kzalloc(sizeof(*vd), GFP_KERNEL_ACCOUNT);
	if (!vd)
		return ERR_PTR(-ENOMEM);
	ndoms = 1U << (4 + 2 * FIELD_GET(VTD_CAP_ND, unit->cap));
	did = ida_alloc_range(&unit->dids, VTD_PT_DID + 1, ndoms - 1,
			      GFP_KERNEL);
	if (did < 0) {
		kfree(vd);
		return ERR_PTR(did == -ENOSPC ? -ENOSPC : did);
	}
	vd->unit = unit;
	vd->did = did;
	if (!unit->coherent)
		vd->pt.flush = vtd_domain_flush_cb;
	rc = vtd_pgtable_init(&vd->pt, unit->agaw + 2, unit->sl_pgsizes,
			      GFP_KERNEL_ACCOUNT);
	if (rc) {
		ida_free(&unit->dids, did);
		kfree(vd);
		return ERR_PTR(rc);
	}
	vd->domain.ops = &vtd_domain_ops;
	vd->domain.driver = &vtd_driver;
	vd->domain.type = IOFD_DOMAIN_PAGING;
	vd->domain.pgsize_bitmap = unit->sl_pgsizes;
	vd->domain.aperture_start = 0;
	vd->domain.aperture_last = vtd_pgtable_last(&vd->pt);
	return &vd->domain;
}

/* Requests without PASID use PASID entry 0 (RID_PASID) */
static u32 vtd_entry_pasid(u32 pasid)
{
	return pasid == IOFD_NO_PASID ? 0 : pasid;
}

int vtd_attach_dev(struct iofd_domain *domain, struct iofd_device *idev,
		   u32 pasid)
{
	struct vtd_domain *vd = to_vtd_domain(domain);
	struct vtd_dev *vdev = to_vtd_dev(idev);
	struct vtd_unit *unit = vdev->unit;
	struct vtd_domain *old;
	int rc;

	if (domain->ops != &vtd_domain_ops || vd->unit != unit)
		return -EINVAL;
	/* PASIDs need the device's PASID capability: not yet (edu has none) */
	if (pasid != IOFD_NO_PASID)
		return -EINVAL;
	mutex_lock(&unit->lock);
	old = vdev->rid_domain;
	if (old == vd) {
		mutex_unlock(&unit->lock);
		return 0;
	}
	WRITE_ONCE(vd->users, vd->users + 1);
	smp_mb();	/* @users before the entry; see the file comment */
	rc = vtd_dev_set_pasid_entry(vdev, vtd_entry_pasid(pasid), vd,
				     old ? old->did : 0);
	if (rc) {
		WRITE_ONCE(vd->users, vd->users - 1);
		mutex_unlock(&unit->lock);
		return rc;
	}
	vdev->rid_domain = vd;
	if (old)
		WRITE_ONCE(old->users, old->users - 1);
	mutex_unlock(&unit->lock);
	return 0;
}

void vtd_block_dev(struct iofd_device *idev, u32 pasid)
{
	struct vtd_dev *vdev = to_vtd_dev(idev);
	struct vtd_unit *unit = vdev->unit;
	struct vtd_domain *old;

	if (pasid != IOFD_NO_PASID)
		return;
	mutex_lock(&unit->lock);
	old = vdev->rid_domain;
	vtd_dev_set_pasid_entry(vdev, 0, NULL, old ? old->did : 0);
	vdev->rid_domain = NULL;
	if (old)
		WRITE_ONCE(old->users, old->users - 1);
	mutex_unlock(&unit->lock);
}
