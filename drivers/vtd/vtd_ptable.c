// SPDX-License-Identifier: GPL-2.0
/*
 * bind_pasid_table on VT-d (IOMMU_HWPT_DATA_VTD_PASID_TABLE, an iofd-oot
 * extension; include/uapi/linux/iommufd.h): a guest's whole PASID table,
 * in guest-physical memory, bound to a device's RID.
 *
 * The guest's context entry stays with the host (seed 000): the host keeps
 * its own context entry and PASID directory for the device and installs,
 * for each PASID the guest's table describes, a host PASID entry of its
 * own: nested over the parent in hardware mode, a shadow in shadow mode
 * (one struct vtd_nested per guest PASID, with a host domain ID).  The
 * guest may only describe first-level translation; anything else, or an
 * entry outside the parent's mappings, leaves that PASID blocked and is
 * counted.  A guest PASID-cache invalidation re-reads and re-validates
 * its entries; an IOTLB invalidation resyncs one PASID's range.
 */
#define pr_fmt(fmt) "iofd_vtd: " fmt

#include <linux/slab.h>
#include <linux/sizes.h>
#include "vtd.h"
#include "vtd_entries.h"

/**
 * struct vtd_ptable - a bound guest PASID table
 * @domain: what the core knows (owns_pasid_table); first
 * @parent: the nest parent
 * @cfg: the user's description
 * @allow: VTD_GUEST_ALLOW_* the unit and the user allow
 * @nr: PASIDs covered, 2^cfg.pasid_bits
 * @lock: protects @pasids, @refused and @vdev; taken before the unit lock
 *	and before the parent's nest_lock
 * @pasids: per guest PASID, its host state, NULL when absent or refused
 * @refused: guest entries refused since the bind (invalid or unreachable)
 * @vdev: the device whose RID it is attached to, or NULL
 */
struct vtd_ptable {
	struct iofd_domain domain;
	struct vtd_domain *parent;
	struct iommu_hwpt_vtd_pasid_table cfg;
	u32 allow;
	u32 nr;
	struct mutex lock;
	struct vtd_nested **pasids;
	u64 refused;
	struct vtd_dev *vdev;
};

static struct vtd_ptable *to_vtd_ptable(struct iofd_domain *domain)
{
	return container_of(domain, struct vtd_ptable, domain);
}

/*
 * The host state of guest PASID @pasid as the guest's table says now:
 * a new struct vtd_nested, NULL when the entry is absent or refused, or
 * an ERR_PTR() when the host could not set it up (-ENOMEM, out of domain
 * IDs): that is the caller's failure, never a silently blocked PASID.
 */
static struct vtd_nested *vtd_ptable_read(struct vtd_ptable *pt, u32 pasid)
{
	struct vtd_shadow_src mem = {
		.gpa_to_hpa = vtd_parent_gpa_to_hpa,
		.read_hpa = iofd_read_ram,
		.ctx = pt->parent,
	};
	struct iommu_hwpt_vtd_s1 s1 = {};
	struct vtd_guest_pasid g;
	struct vtd_nested *n;
	int rc;

	mutex_lock(&pt->parent->nest_lock);
	rc = vtd_guest_pasid_read(&mem, pt->cfg.pasid_dir_addr, pasid,
				  pt->allow, &g);
	mutex_unlock(&pt->parent->nest_lock);
	if (rc) {
		if (rc != -ENOENT)
			pt->refused++;
		return NULL;
	}
	s1.pgtbl_addr = g.flptr;
	s1.addr_width = g.fl_levels == 5 ? 57 : 48;
	s1.flags = (g.sre ? IOMMU_VTD_S1_SRE : 0) |
		   (g.wpe ? IOMMU_VTD_S1_WPE : 0) |
		   (g.eafe ? IOMMU_VTD_S1_EAFE : 0);
	n = iofd_should_fail() ? NULL : kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return ERR_PTR(-ENOMEM);
	rc = vtd_nested_init(n, pt->parent, &s1);
	if (rc) {
		kfree(n);
		return ERR_PTR(rc);
	}
	return n;
}

static void vtd_ptable_put(struct vtd_nested *n)
{
	if (n) {
		vtd_nested_fini(n);
		kfree(n);
	}
}

/*
 * Install @pasid's host entry in @vdev (blocked when the guest has none);
 * the unit lock is held.  @old_did: what the slot used before.
 */
static void vtd_ptable_set(struct vtd_ptable *pt, struct vtd_dev *vdev,
			   u32 pasid, struct vtd_nested *n, u16 old_did)
{
	struct vtd_pasid_entry pe;

	lockdep_assert_held(&vdev->unit->lock);
	if (!n) {
		vtd_dev_set_pasid_entry(vdev, pasid, NULL, 0, old_did);
		return;
	}
	vtd_nested_entry(n, &pe);
	WRITE_ONCE(n->users, n->users + 1);
	smp_mb();	/* @users before the entry, as in vtd_domain.c */
	if (vtd_dev_set_pasid_entry(vdev, pasid, &pe, n->did, old_did)) {
		/* No PASID table page: that PASID stays blocked */
		WRITE_ONCE(n->users, n->users - 1);
		vtd_dev_set_pasid_entry(vdev, pasid, NULL, 0, old_did);
	}
}

bool vtd_is_ptable(struct iofd_domain *domain)
{
	return domain && domain->ops == &vtd_ptable_ops;
}

/* Lock the bound tables among @a and @b, in address order */
void vtd_ptable_lock2(struct iofd_domain *a, struct iofd_domain *b)
{
	struct vtd_ptable *pa = vtd_is_ptable(a) ? to_vtd_ptable(a) : NULL;
	struct vtd_ptable *pb = vtd_is_ptable(b) && b != a ?
				to_vtd_ptable(b) : NULL;

	if (pa && pb && pb < pa)
		swap(pa, pb);
	if (pa)
		mutex_lock(&pa->lock);
	if (pb)
		mutex_lock_nested(&pb->lock, SINGLE_DEPTH_NESTING);
}

void vtd_ptable_unlock2(struct iofd_domain *a, struct iofd_domain *b)
{
	if (vtd_is_ptable(a))
		mutex_unlock(&to_vtd_ptable(a)->lock);
	if (vtd_is_ptable(b) && b != a)
		mutex_unlock(&to_vtd_ptable(b)->lock);
}

/* May @domain go to @vdev (its lock held)? */
int vtd_ptable_check(struct iofd_domain *domain, struct vtd_dev *vdev)
{
	struct vtd_ptable *pt = to_vtd_ptable(domain);

	if (pt->parent->unit != vdev->unit)
		return -EINVAL;
	/* One device per bound table: the guest's entries are per device */
	return pt->vdev && pt->vdev != vdev ? -EBUSY : 0;
}

/* The domain ID of what @domain installed for the RID (PASID 0) */
u16 vtd_ptable_rid_did(struct iofd_domain *domain)
{
	struct vtd_ptable *pt = to_vtd_ptable(domain);

	return pt->pasids[0] ? pt->pasids[0]->did : 0;
}

/*
 * Install every PASID of the guest table in @vdev; PASID 0's slot used
 * @old_did before.  pt->lock and the unit lock held.
 */
void vtd_ptable_install(struct iofd_domain *domain, struct vtd_dev *vdev,
			u16 old_did)
{
	struct vtd_ptable *pt = to_vtd_ptable(domain);
	u32 pasid;

	lockdep_assert_held(&pt->lock);
	for (pasid = 0; pasid < pt->nr; pasid++)
		vtd_ptable_set(pt, vdev, pasid, pt->pasids[pasid],
			       pasid ? 0 : old_did);
	pt->vdev = vdev;
}

/*
 * Remove what @domain installed in @vdev: every PASID, or with @keep_rid
 * every PASID but 0, whose slot the caller replaces next and then drops
 * with vtd_ptable_rid_users_dec() (the count must stay up until the new
 * entry and its invalidation are in).  pt->lock and the unit lock held.
 */
void vtd_ptable_uninstall(struct iofd_domain *domain, struct vtd_dev *vdev,
			  bool keep_rid)
{
	struct vtd_ptable *pt = to_vtd_ptable(domain);
	u32 pasid;

	lockdep_assert_held(&pt->lock);
	lockdep_assert_held(&vdev->unit->lock);
	for (pasid = 0; pasid < pt->nr; pasid++) {
		struct vtd_nested *n = pt->pasids[pasid];

		if (!pasid && keep_rid)
			continue;
		vtd_dev_set_pasid_entry(vdev, pasid, NULL, 0, n ? n->did : 0);
		if (n)
			WRITE_ONCE(n->users, n->users - 1);
	}
	pt->vdev = NULL;
}

/* The RID slot of a replaced table now holds another entry */
void vtd_ptable_rid_users_dec(struct iofd_domain *domain)
{
	struct vtd_nested *n = to_vtd_ptable(domain)->pasids[0];

	if (n)
		WRITE_ONCE(n->users, n->users - 1);
}

/*
 * Re-read guest PASID @pasid and swap its host state (pt->lock held).
 * When the new state cannot be set up the old one stays: 0 or the error.
 */
static int vtd_ptable_refresh(struct vtd_ptable *pt, u32 pasid)
{
	struct vtd_nested *old = pt->pasids[pasid], *n;
	struct vtd_dev *vdev = pt->vdev;

	lockdep_assert_held(&pt->lock);
	n = vtd_ptable_read(pt, pasid);
	if (IS_ERR(n))
		return PTR_ERR(n);
	if (vdev) {
		mutex_lock(&vdev->unit->lock);
		vtd_ptable_set(pt, vdev, pasid, n, old ? old->did : 0);
		if (old)
			WRITE_ONCE(old->users, old->users - 1);
		mutex_unlock(&vdev->unit->lock);
	}
	pt->pasids[pasid] = n;
	vtd_ptable_put(old);
	return 0;
}

/* One entry; pt->lock held by the caller */
static int vtd_ptable_invalidate_locked(struct vtd_ptable *pt,
		const struct iommu_hwpt_vtd_pasid_table_invalidate *inv)
{
	bool all = inv->flags & IOMMU_VTD_PT_INV_ALL_PASIDS;
	u32 pasid, first, end;
	u64 last;
	int rc = 0;

	if ((inv->flags & ~(IOMMU_VTD_PT_INV_LEAF |
			    IOMMU_VTD_PT_INV_ALL_PASIDS)) || inv->__reserved)
		return -EOPNOTSUPP;
	if (inv->type != IOMMU_VTD_PT_INV_PASID_CACHE &&
	    inv->type != IOMMU_VTD_PT_INV_IOTLB)
		return -EOPNOTSUPP;
	if (!all && inv->pasid >= pt->nr)
		return -EINVAL;
	first = all ? 0 : inv->pasid;
	end = all ? pt->nr : inv->pasid + 1;
	if (inv->type == IOMMU_VTD_PT_INV_PASID_CACHE) {
		for (pasid = first; pasid < end && !rc; pasid++)
			rc = vtd_ptable_refresh(pt, pasid);
		return rc;
	}
	rc = vtd_inv_range(inv->addr, inv->npages, &last);
	if (rc <= 0)
		return rc;
	rc = 0;
	for (pasid = first; pasid < end && !rc; pasid++)
		if (pt->pasids[pasid])
			rc = vtd_nested_resync(pt->pasids[pasid], inv->addr,
					       last);
	return rc;
}

static int vtd_ptable_invalidate_one(void *ctx, const void *entry)
{
	struct vtd_ptable *pt = ctx;
	int rc;

	mutex_lock(&pt->lock);
	rc = vtd_ptable_invalidate_locked(pt, entry);
	mutex_unlock(&pt->lock);
	return rc;
}

static int vtd_ptable_cache_invalidate_user(struct iofd_domain *domain,
					    struct iofd_user_array *array)
{
	struct iommu_hwpt_vtd_pasid_table_invalidate inv;

	return iofd_user_array_for_each(array,
			IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE, &inv,
			sizeof(inv), offsetofend(typeof(inv), npages), true,
			vtd_ptable_invalidate_one, to_vtd_ptable(domain));
}

static void vtd_ptable_free(struct iofd_domain *domain)
{
	struct vtd_ptable *pt = to_vtd_ptable(domain);
	u32 pasid;

	WARN_ON(pt->vdev);
	for (pasid = 0; pasid < pt->nr; pasid++)
		vtd_ptable_put(pt->pasids[pasid]);
	kfree(pt->pasids);
	mutex_destroy(&pt->lock);
	kfree(pt);
}

const struct iofd_domain_ops vtd_ptable_ops = {
	.cache_invalidate_user = vtd_ptable_cache_invalidate_user,
	.free = vtd_ptable_free,
};

struct iofd_domain *vtd_ptable_alloc(struct vtd_dev *vdev,
				     struct vtd_domain *parent, u32 flags,
				     const struct iofd_user_data *data)
{
	struct vtd_unit *unit = vdev->unit;
	struct iommu_hwpt_vtd_pasid_table cfg;
	struct vtd_ptable *pt;
	u32 pasid;
	int rc;

	/* A PASID table claims every PASID: it cannot sit in one */
	if (flags)
		return ERR_PTR(-EOPNOTSUPP);
	rc = iofd_copy_user_data(&cfg, sizeof(cfg),
				 offsetofend(typeof(cfg), addr_width), data,
				 IOMMU_HWPT_DATA_VTD_PASID_TABLE);
	if (rc)
		return ERR_PTR(rc);
	if (cfg.flags & ~(u64)IOMMU_VTD_PASID_TABLE_SRE)
		return ERR_PTR(-EOPNOTSUPP);
	if (cfg.pasid_dir_addr & (SZ_4K - 1) ||
	    cfg.pasid_bits > vdev->idev.max_pasid_log2 ||
	    (cfg.addr_width != 48 &&
	     !(cfg.addr_width == 57 && (unit->cap & VTD_CAP_FL5LP))) ||
	    ((cfg.flags & IOMMU_VTD_PASID_TABLE_SRE) &&
	     !(unit->ecap & VTD_ECAP_SRS)))
		return ERR_PTR(-EINVAL);

	pt = iofd_should_fail() ? NULL : kzalloc(sizeof(*pt), GFP_KERNEL_ACCOUNT);
	if (!pt)
		return ERR_PTR(-ENOMEM);
	pt->nr = 1U << cfg.pasid_bits;
	pt->pasids = kcalloc(pt->nr, sizeof(*pt->pasids), GFP_KERNEL_ACCOUNT);
	if (!pt->pasids) {
		kfree(pt);
		return ERR_PTR(-ENOMEM);
	}
	pt->parent = parent;
	pt->cfg = cfg;
	if (cfg.flags & IOMMU_VTD_PASID_TABLE_SRE)
		pt->allow |= VTD_GUEST_ALLOW_SRE;
	if (cfg.addr_width == 57)
		pt->allow |= VTD_GUEST_ALLOW_5LEVEL;
	if (unit->ecap & VTD_ECAP_EAFS)
		pt->allow |= VTD_GUEST_ALLOW_EAFE;
	mutex_init(&pt->lock);
	/* What the guest's table holds now */
	for (pasid = 0; pasid < pt->nr; pasid++) {
		struct vtd_nested *n = vtd_ptable_read(pt, pasid);

		if (IS_ERR(n)) {
			while (pasid--)
				vtd_ptable_put(pt->pasids[pasid]);
			kfree(pt->pasids);
			kfree(pt);
			return ERR_CAST(n);
		}
		pt->pasids[pasid] = n;
		cond_resched();
	}
	pt->domain.ops = &vtd_ptable_ops;
	pt->domain.driver = &vtd_driver;
	pt->domain.type = IOFD_DOMAIN_NESTED;
	pt->domain.owns_pasid_table = true;
	return &pt->domain;
}
