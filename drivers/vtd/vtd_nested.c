// SPDX-License-Identifier: GPL-2.0
/*
 * Nested domains (IOMMU_HWPT_DATA_VTD_S1): a guest's first-level table
 * over a nest-parent paging domain.
 *
 * Hardware mode, when the unit has first-level translation and nesting
 * (ECAP.FLTS and ECAP.NEST): the PASID entry is nested (PGTT 3: FLPTR =
 * the guest's table, SLPTR = the parent's).  Shadow mode otherwise (QEMU
 * 7.2's unit, advertised to userspace as IOMMU_HW_CAP_IOFD_SHADOW_NESTING):
 * the driver composes guest table and parent into a shadow second-level
 * table (vtd_shadow.c) and the PASID entry points at that.  The shadow
 * follows the guest only through invalidations (HWPT_INVALIDATE), as the
 * hardware's IOTLB would; it follows the parent always: a parent unmap
 * rebuilds every shadow over it before the pages are unpinned.
 */
#define pr_fmt(fmt) "iofd_vtd: " fmt

#include <linux/io.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <asm/cacheflush.h>
#include "vtd.h"
#include "vtd_entries.h"

/* Guest-physical through the nest parent (@ctx): its table only */
u64 vtd_parent_gpa_to_hpa(void *ctx, u64 gpa, unsigned int *perm)
{
	struct vtd_domain *parent = ctx;

	return iofd_pgtable_lookup(&parent->pt, gpa, perm);
}

static bool vtd_unit_hw_nesting(struct vtd_unit *unit)
{
	return (unit->ecap & VTD_ECAP_NEST) && (unit->ecap & VTD_ECAP_FLTS);
}

/*
 * Rebuild [@start, @last] of @n's shadow from the guest's table and the
 * parent (with @refill: only add what is missing), then invalidate it.
 * Caller holds the parent's nest_lock, which keeps the parent's table
 * still while it is walked.
 */
static void vtd_nested_src(struct vtd_nested *n, struct vtd_shadow_src *src)
{
	*src = (struct vtd_shadow_src){
		.flptr = n->s1.pgtbl_addr & VTD_FL_ADDR,
		.fl_levels = n->fl_levels,
		.fl1gp = n->parent->unit->cap & VTD_CAP_FL1GP,
		.gpa_to_hpa = vtd_parent_gpa_to_hpa,
		.read_hpa = iofd_read_ram,
		.ctx = n->parent,
	};
}

static int vtd_nested_sync(struct vtd_nested *n, u64 start, u64 last,
			   bool refill)
{
	struct vtd_domain *parent = n->parent;
	struct vtd_shadow_src src;
	bool whole = !start && last == U64_MAX;
	LIST_HEAD(freelist);
	int rc, inv_rc = 0;

	lockdep_assert_held(&parent->nest_lock);
	vtd_nested_src(n, &src);
	rc = vtd_shadow_sync(&n->shadow, &src, start, last, refill, &freelist,
			     &n->stats);
	n->syncs++;
	/*
	 * Something was out of reach or cut short: a later parent map
	 * retries.  Only a complete pass over everything clears it.
	 */
	if (whole)
		n->needs_retry = false;
	if (rc || n->stats.unreachable || n->stats.truncated)
		n->needs_retry = true;
	smp_mb();	/* shadow writes before the @users read */
	start &= PAGE_MASK;
	if (READ_ONCE(n->users) && start <= iofd_pgtable_last(&n->shadow))
		inv_rc = vtd_iotlb_flush_range(parent->unit, n->did, start,
				min(last, iofd_pgtable_last(&n->shadow)) -
				start + 1);
	vtd_free_after_invalidation(&freelist, inv_rc);
	if (n->stats.truncated || n->stats.unreachable || n->stats.bad)
		pr_debug_ratelimited("shadow sync of DID %u: %llu mapped, %llu unreachable, %llu bad%s\n",
				     n->did, n->stats.mapped,
				     n->stats.unreachable, n->stats.bad,
				     n->stats.truncated ? ", truncated" : "");
	return rc;
}

/*
 * After a parent unmap: drop the shadow entries the guest's table and the
 * parent no longer give, before the pages are unpinned, and nothing else.
 * It allocates nothing, so it cannot fail and a guest mapping that is
 * still valid never goes missing (a rebuild could, half-way on -ENOMEM).
 */
static void vtd_nested_prune(struct vtd_nested *n)
{
	struct vtd_shadow_src src;
	LIST_HEAD(freelist);
	int inv_rc = 0;

	lockdep_assert_held(&n->parent->nest_lock);
	vtd_nested_src(n, &src);
	if (!vtd_shadow_prune(&n->shadow, &src, &freelist))
		return;
	/* What was dropped is out of reach now: a later parent map refills */
	n->needs_retry = true;
	n->syncs++;
	smp_mb();	/* shadow writes before the @users read */
	if (READ_ONCE(n->users))
		inv_rc = vtd_iotlb_flush_range(n->parent->unit, n->did, 0, 0);
	vtd_free_after_invalidation(&freelist, inv_rc);
}

/*
 * The parent's mappings changed (under its nest_lock).  After an unmap
 * every shadow is pruned: entries may point at pages about to be
 * unpinned.  After a map, shadows that had guest entries out of reach are
 * refilled (added to, never emptied).  In hardware mode the unit walks the
 * parent itself; its entries are tagged with the nested domain IDs, so
 * those are flushed whole.
 */
void vtd_nested_parent_changed(struct vtd_domain *parent, bool unmapped)
{
	struct vtd_nested *n;

	lockdep_assert_held(&parent->nest_lock);
	list_for_each_entry(n, &parent->nested, parent_node) {
		if (n->hw_nesting) {
			if (READ_ONCE(n->users))
				vtd_iotlb_flush_range(parent->unit, n->did, 0,
						      0);
			continue;
		}
		if (unmapped)
			vtd_nested_prune(n);
		else if (n->needs_retry)
			vtd_nested_sync(n, 0, U64_MAX, true);
	}
}

/* The PASID entry that attaches @n */
void vtd_nested_entry(struct vtd_nested *n, struct vtd_pasid_entry *pe)
{
	struct vtd_unit *unit = n->parent->unit;
	u32 flags = 0;

	if (!n->hw_nesting) {
		vtd_pasid_encode_sl(pe, virt_to_phys(n->shadow.top),
				    unit->agaw, n->did);
		return;
	}
	if (n->s1.flags & IOMMU_VTD_S1_SRE)
		flags |= VTD_NEST_SRE;
	/* As the specification: write protection applies with SRE only */
	if ((n->s1.flags & IOMMU_VTD_S1_WPE) && (flags & VTD_NEST_SRE))
		flags |= VTD_NEST_WPE;
	if (n->s1.flags & IOMMU_VTD_S1_EAFE)
		flags |= VTD_NEST_EAFE;
	vtd_pasid_encode_nested(pe, n->s1.pgtbl_addr, n->fl_levels,
				virt_to_phys(n->parent->pt.top), unit->agaw,
				n->did, flags);
}

/*
 * A guest invalidation's 4K pages as an inclusive range, with upstream's
 * rules: @addr 4K aligned, @npages U64_MAX only with @addr 0 (everything).
 * 1 and *@last, 0 for nothing to do (@npages 0), -EINVAL.
 */
int vtd_inv_range(u64 addr, u64 npages, u64 *last)
{
	if (addr & (SZ_4K - 1) || (npages == U64_MAX && addr))
		return -EINVAL;
	if (!npages)
		return 0;
	if (npages == U64_MAX || npages > (U64_MAX - addr) / SZ_4K + 1)
		*last = U64_MAX;
	else
		*last = addr + npages * SZ_4K - 1;
	return 1;
}

/*
 * One user invalidation entry (struct iommu_hwpt_vtd_s1_invalidate):
 * upstream's rules and errnos, then resync the range.
 */
static int vtd_nested_invalidate_one(void *ctx, const void *entry)
{
	const struct iommu_hwpt_vtd_s1_invalidate *inv = entry;
	struct vtd_nested *n = ctx;
	u64 last;
	int rc;

	if ((inv->flags & ~IOMMU_VTD_INV_FLAGS_LEAF) || inv->__reserved)
		return -EOPNOTSUPP;
	rc = vtd_inv_range(inv->addr, inv->npages, &last);
	if (rc <= 0)
		return rc;
	return vtd_nested_resync(n, inv->addr, last);
}

static int vtd_nested_cache_invalidate_user(struct iofd_domain *domain,
					    struct iofd_user_array *array)
{
	struct iommu_hwpt_vtd_s1_invalidate inv;

	return iofd_user_array_for_each(array,
					IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
					&inv, sizeof(inv),
					offsetofend(typeof(inv), __reserved),
					true, vtd_nested_invalidate_one,
					to_vtd_nested(domain));
}

/* Undo vtd_nested_init(); nothing may use @n anymore */
void vtd_nested_fini(struct vtd_nested *n)
{
	struct vtd_domain *parent = n->parent;

	WARN_ON(n->users);
	mutex_lock(&parent->nest_lock);
	list_del(&n->parent_node);
	mutex_unlock(&parent->nest_lock);
	iofd_pgtable_destroy(&n->shadow);
	vtd_did_free(parent->unit, n->did);
}

static void vtd_nested_free(struct iofd_domain *domain)
{
	struct vtd_nested *n = to_vtd_nested(domain);

	vtd_nested_fini(n);
	kfree(n);
}

const struct iofd_domain_ops vtd_nested_ops = {
	.cache_invalidate_user = vtd_nested_cache_invalidate_user,
	.free = vtd_nested_free,
};

static void vtd_nested_flush_cb(void *va, size_t len)
{
	clflush_cache_range(va, len);
}

/* Upstream's rules for the guest's description, checked at allocation */
static int vtd_nested_check_s1(struct vtd_unit *unit,
			       const struct iommu_hwpt_vtd_s1 *s1)
{
	if (s1->flags & ~(u64)(IOMMU_VTD_S1_SRE | IOMMU_VTD_S1_EAFE |
			       IOMMU_VTD_S1_WPE))
		return -EOPNOTSUPP;
	if (s1->addr_width != 48 &&
	    !(s1->addr_width == 57 && (unit->cap & VTD_CAP_FL5LP)))
		return -EINVAL;
	if ((s1->flags & IOMMU_VTD_S1_SRE) && !(unit->ecap & VTD_ECAP_SRS))
		return -EINVAL;
	if ((s1->flags & IOMMU_VTD_S1_EAFE) && !(unit->ecap & VTD_ECAP_EAFS))
		return -EINVAL;
	return 0;
}

/*
 * Set up @n (zeroed by the caller) over @parent for the guest table @s1
 * (already checked): a domain ID, the shadow table, the first sync.
 */
int vtd_nested_init(struct vtd_nested *n, struct vtd_domain *parent,
		    const struct iommu_hwpt_vtd_s1 *s1)
{
	struct vtd_unit *unit = parent->unit;
	int did, rc;

	did = vtd_did_alloc(unit);
	if (did < 0)
		return did;
	n->parent = parent;
	n->did = did;
	n->s1 = *s1;
	n->fl_levels = s1->addr_width == 57 ? 5 : 4;
	n->hw_nesting = vtd_unit_hw_nesting(unit);
	if (!unit->coherent)
		n->shadow.flush = vtd_nested_flush_cb;
	/* 4K shadow entries: the parent's pages behind a guest leaf vary */
	rc = iofd_pgtable_init(&n->shadow, &vtd_sl_fmt, unit->agaw + 2, SZ_4K,
			      GFP_KERNEL_ACCOUNT);
	if (rc) {
		vtd_did_free(unit, did);
		return rc;
	}
	mutex_lock(&parent->nest_lock);
	list_add_tail(&n->parent_node, &parent->nested);
	/* What the guest table already holds */
	rc = n->hw_nesting ? 0 : vtd_nested_sync(n, 0, U64_MAX, false);
	if (rc)
		list_del(&n->parent_node);
	mutex_unlock(&parent->nest_lock);
	if (rc) {
		iofd_pgtable_destroy(&n->shadow);
		vtd_did_free(unit, did);
	}
	return rc;
}

/* Resync [@start, @last] of @n (a guest IOTLB invalidation) */
int vtd_nested_resync(struct vtd_nested *n, u64 start, u64 last)
{
	int rc = 0;

	mutex_lock(&n->parent->nest_lock);
	if (n->hw_nesting) {
		/*
		 * First-level entries are flushed with a domain-selective
		 * IOTLB invalidation of the nested domain ID (a PASID-based
		 * one per PASID would be finer; not reachable on QEMU 7.2).
		 */
		if (READ_ONCE(n->users))
			vtd_iotlb_flush_range(n->parent->unit, n->did, 0, 0);
	} else {
		rc = vtd_nested_sync(n, start, last, false);
	}
	mutex_unlock(&n->parent->nest_lock);
	return rc;
}

struct iofd_domain *vtd_domain_alloc_nested(struct iofd_device *idev,
					    struct iofd_domain *parent_domain,
					    u32 flags,
					    const struct iofd_user_data *data)
{
	struct vtd_unit *unit = to_vtd_dev(idev)->unit;
	struct vtd_domain *parent;
	struct iommu_hwpt_vtd_s1 s1;
	struct vtd_nested *n;
	int rc;

	if (flags & ~IOFD_DOMAIN_F_PASID)
		return ERR_PTR(-EOPNOTSUPP);
	if (!data || (data->type != IOMMU_HWPT_DATA_VTD_S1 &&
		      data->type != IOMMU_HWPT_DATA_VTD_PASID_TABLE))
		return ERR_PTR(-EOPNOTSUPP);
	if (parent_domain->ops != &vtd_domain_ops)
		return ERR_PTR(-EINVAL);
	parent = to_vtd_domain(parent_domain);
	if (!parent->nest_parent || parent->unit != unit)
		return ERR_PTR(-EINVAL);
	if (data->type == IOMMU_HWPT_DATA_VTD_PASID_TABLE)
		return vtd_ptable_alloc(to_vtd_dev(idev), parent, flags, data);
	rc = iofd_copy_user_data(&s1, sizeof(s1),
				 offsetofend(typeof(s1), __reserved), data,
				 IOMMU_HWPT_DATA_VTD_S1);
	if (!rc)
		rc = vtd_nested_check_s1(unit, &s1);
	if (rc)
		return ERR_PTR(rc);

	n = iofd_should_fail() ? NULL : kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return ERR_PTR(-ENOMEM);
	rc = vtd_nested_init(n, parent, &s1);
	if (rc) {
		kfree(n);
		return ERR_PTR(rc);
	}
	n->domain.ops = &vtd_nested_ops;
	n->domain.driver = &vtd_driver;
	n->domain.type = IOFD_DOMAIN_NESTED;
	return &n->domain;
}
