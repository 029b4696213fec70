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
static int vtd_domain_invalidate(struct vtd_domain *vd, u64 iova, u64 len)
{
	smp_mb();	/* IOPTE writes before the @users read; see above */
	if (!READ_ONCE(vd->users))
		return 0;
	return vtd_iotlb_flush_range(vd->unit, vd->did, iova, len);
}

static int vtd_map_pages(struct iofd_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, gfp_t gfp, size_t *mapped)
{
	struct vtd_domain *vd = to_vtd_domain(domain);
	int rc;

	if (vd->nest_parent)
		mutex_lock(&vd->nest_lock);
	rc = iofd_pgtable_map(&vd->pt, iova, paddr, pgsize, pgcount,
			     prot & IOFD_PROT_READ, prot & IOFD_PROT_WRITE,
			     gfp, mapped);
	if (*mapped)
		vtd_domain_invalidate(vd, iova, *mapped);
	if (vd->nest_parent) {
		/* Guest tables or pages may have become reachable */
		if (*mapped)
			vtd_nested_parent_changed(vd, false);
		mutex_unlock(&vd->nest_lock);
	}
	return rc;
}

static size_t vtd_unmap_pages(struct iofd_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount)
{
	struct vtd_domain *vd = to_vtd_domain(domain);
	LIST_HEAD(freelist);
	size_t unmapped;
	int inv_rc = 0;

	if (vd->nest_parent)
		mutex_lock(&vd->nest_lock);
	unmapped = iofd_pgtable_unmap(&vd->pt, iova, pgsize, pgcount,
				     &freelist);
	if (unmapped)
		inv_rc = vtd_domain_invalidate(vd, iova,
					       (u64)pgsize * pgcount);
	/*
	 * Shadows built over the old mappings point at pages the core is
	 * about to unpin: rebuild them before returning.
	 */
	if (vd->nest_parent) {
		if (unmapped)
			vtd_nested_parent_changed(vd, true);
		mutex_unlock(&vd->nest_lock);
	}
	/* Table pages only after the unit can no longer walk them */
	vtd_free_after_invalidation(&freelist, inv_rc);
	return unmapped;
}

static phys_addr_t vtd_iova_to_phys(struct iofd_domain *domain,
				    unsigned long iova)
{
	return iofd_pgtable_iova_to_phys(&to_vtd_domain(domain)->pt, iova);
}

static void vtd_domain_free(struct iofd_domain *domain)
{
	struct vtd_domain *vd = to_vtd_domain(domain);

	WARN_ON(vd->users);
	WARN_ON(vd->nest_parent && !list_empty(&vd->nested));
	iofd_pgtable_destroy(&vd->pt);
	vtd_did_free(vd->unit, vd->did);
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
	struct vtd_domain *vd;
	int did, rc;

	/* No dirty tracking (QEMU 7.2 has no SLADS) */
	if (flags & ~(IOFD_DOMAIN_F_PASID | IOFD_DOMAIN_F_NEST_PARENT))
		return ERR_PTR(-EOPNOTSUPP);
	vd = iofd_should_fail() ? NULL : kzalloc(sizeof(*vd), GFP_KERNEL_ACCOUNT);
	if (!vd)
		return ERR_PTR(-ENOMEM);
	did = vtd_did_alloc(unit);
	if (did < 0) {
		kfree(vd);
		return ERR_PTR(did);
	}
	vd->unit = unit;
	vd->did = did;
	vd->nest_parent = flags & IOFD_DOMAIN_F_NEST_PARENT;
	mutex_init(&vd->nest_lock);
	INIT_LIST_HEAD(&vd->nested);
	if (!unit->coherent)
		vd->pt.flush = vtd_domain_flush_cb;
	rc = iofd_pgtable_init(&vd->pt, &vtd_sl_fmt, unit->agaw + 2, unit->sl_pgsizes,
			      GFP_KERNEL_ACCOUNT);
	if (rc) {
		vtd_did_free(unit, did);
		kfree(vd);
		return ERR_PTR(rc);
	}
	vd->domain.ops = &vtd_domain_ops;
	vd->domain.driver = &vtd_driver;
	vd->domain.type = IOFD_DOMAIN_PAGING;
	vd->domain.pgsize_bitmap = unit->sl_pgsizes;
	vd->domain.aperture_start = 0;
	/* The unit translates at most MGAW bits, whatever the levels */
	vd->domain.aperture_last = min_t(u64, iofd_pgtable_last(&vd->pt),
		(1ULL << (FIELD_GET(VTD_CAP_MGAW, unit->cap) + 1)) - 1);
	return &vd->domain;
}

/*
 * The unit, domain ID and user count of one of our attachable domains
 * (paging or nested); false for anything else
 */
static bool vtd_domain_target(struct iofd_domain *domain,
			      struct vtd_unit **unit, u16 *did,
			      unsigned int **users)
{
	if (domain->ops == &vtd_domain_ops) {
		struct vtd_domain *vd = to_vtd_domain(domain);

		*unit = vd->unit;
		*did = vd->did;
		*users = &vd->users;
		return true;
	}
	if (domain->ops == &vtd_nested_ops) {
		struct vtd_nested *n = to_vtd_nested(domain);

		*unit = n->parent->unit;
		*did = n->did;
		*users = &n->users;
		return true;
	}
	return false;
}

/* The domain ID of an attached domain (NULL: blocked, 0) */
u16 vtd_domain_did(struct iofd_domain *domain)
{
	struct vtd_unit *unit;
	unsigned int *users;
	u16 did;

	if (!domain || !vtd_domain_target(domain, &unit, &did, &users))
		return 0;
	return did;
}

/* One attachment less; under the unit lock */
static void vtd_domain_users_dec(struct iofd_domain *domain)
{
	struct vtd_unit *unit;
	unsigned int *users;
	u16 did;

	if (domain && vtd_domain_target(domain, &unit, &did, &users))
		WRITE_ONCE(*users, *users - 1);
}

/* The domain ID in the RID's entry of an attached domain */
static u16 vtd_rid_did(struct iofd_domain *domain)
{
	return vtd_is_ptable(domain) ? vtd_ptable_rid_did(domain) :
				       vtd_domain_did(domain);
}

/*
 * The core serializes attach and block of one device (its device lock),
 * so rid_domain can be read before taking the locks: bound PASID tables
 * first, then the unit.
 */
int vtd_attach_dev(struct iofd_domain *domain, struct iofd_device *idev,
		   u32 pasid)
{
	struct vtd_dev *vdev = to_vtd_dev(idev);
	struct vtd_unit *unit = vdev->unit, *dom_unit;
	struct vtd_pasid_entry pe;
	struct iofd_domain *old;
	unsigned int *users;
	u16 did;
	int rc = 0;

	/* PASIDs need the device's PASID capability: not yet (edu has none) */
	if (pasid != IOFD_NO_PASID)
		return -EINVAL;
	old = READ_ONCE(vdev->rid_domain);
	if (old == domain)
		return 0;
	if (!vtd_is_ptable(domain)) {
		/* A domain ID belongs to one unit */
		if (!vtd_domain_target(domain, &dom_unit, &did, &users) ||
		    dom_unit != unit)
			return -EINVAL;
		if (domain->ops == &vtd_nested_ops)
			vtd_nested_entry(to_vtd_nested(domain), &pe);
		else
			vtd_pasid_encode_sl(&pe,
				virt_to_phys(to_vtd_domain(domain)->pt.top),
				unit->agaw, did);
	}
	vtd_ptable_lock2(old, domain);
	if (vtd_is_ptable(domain))
		rc = vtd_ptable_check(domain, vdev);
	if (rc)
		goto out_unlock_pt;
	mutex_lock(&unit->lock);
	did = vtd_rid_did(old);
	if (vtd_is_ptable(old))
		vtd_ptable_uninstall(old, vdev, true);
	if (vtd_is_ptable(domain)) {
		vtd_ptable_install(domain, vdev, did);
	} else {
		WRITE_ONCE(*users, *users + 1);
		smp_mb();	/* @users before the entry; see the file comment */
		/* PASID 0's table exists since vtd_dev_take(): cannot fail */
		vtd_dev_set_pasid_entry(vdev, 0, &pe,
					vtd_domain_did(domain), did);
	}
	/* Only now that the RID's new entry and invalidation are in */
	if (vtd_is_ptable(old))
		vtd_ptable_rid_users_dec(old);
	else
		vtd_domain_users_dec(old);
	vdev->rid_domain = domain;
	mutex_unlock(&unit->lock);
out_unlock_pt:
	vtd_ptable_unlock2(old, domain);
	return rc;
}

void vtd_block_dev(struct iofd_device *idev, u32 pasid)
{
	struct vtd_dev *vdev = to_vtd_dev(idev);
	struct vtd_unit *unit = vdev->unit;
	struct iofd_domain *old;

	if (pasid != IOFD_NO_PASID)
		return;
	old = READ_ONCE(vdev->rid_domain);
	vtd_ptable_lock2(old, NULL);
	mutex_lock(&unit->lock);
	if (vtd_is_ptable(old)) {
		vtd_ptable_uninstall(old, vdev, false);
	} else {
		vtd_dev_set_pasid_entry(vdev, 0, NULL, 0, vtd_domain_did(old));
		vtd_domain_users_dec(old);
	}
	vdev->rid_domain = NULL;
	mutex_unlock(&unit->lock);
	vtd_ptable_unlock2(old, NULL);
}
