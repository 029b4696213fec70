// SPDX-License-Identifier: GPL-2.0
/*
 * Nesting, upstream-compatible: an IOMMU_VIOMMU_TYPE_ARM_SMMUV3 vIOMMU
 * over a nest-parent paging domain (the guest's stage 2), vDEVICEs giving
 * the guest's StreamIDs, nested domains holding a guest STE (vSTE,
 * IOMMU_HWPT_DATA_ARM_SMMUV3) and the guest's commands through
 * IOMMU_HWPT_INVALIDATE on the vIOMMU.
 *
 * The vSTE's S1ContextPtr is the guest's context-descriptor table, so a
 * nested domain is bind_pasid_table for SMMUv3: the guest owns the CDs of
 * every substream of the stream (none here: SSIDSIZE 0 on QEMU 7.2).
 *
 * Shadow mode (an SMMU without stage 2, QEMU 7.2, advertised as
 * IOMMU_HW_CAP_IOFD_SHADOW_NESTING): the driver reads the guest CD and
 * stage-1 table through the parent and composes a stage-1 table of its own
 * behind a CD with a host ASID (smmu_shadow.c).  It follows the guest only
 * through commands (TLBI_*, CFGI_CD*), as the hardware's caches would, and
 * the parent always: a parent unmap rebuilds every shadow over it before
 * the pages are unpinned.
 *
 * Hardware mode (a unit with S2P; the nest parent is then a stage-2
 * domain with a VMID): the STE is Config nested, the guest's fields over
 * the parent's stage 2, as upstream builds it, and the guest's commands
 * go to the unit rewritten (VMID forced, vSID -> StreamID).  QEMU 7.2 has
 * no stage 2: this mode is checked by KUnit walks of the STE it writes.
 */
#define pr_fmt(fmt) "iofd_smmuv3: " fmt

#include <linux/slab.h>
#include <linux/sizes.h>
#include "smmu.h"
#include "smmu_entries.h"

static const struct iofd_viommu_ops smmu_viommu_ops;

static struct smmu_viommu *to_smmu_viommu(struct iofd_viommu *viommu)
{
	return container_of(viommu, struct smmu_viommu, core);
}

/* Guest-physical through the nest parent (@ctx): its table only */
static u64 smmu_parent_gpa_to_hpa(void *ctx, u64 gpa, unsigned int *perm)
{
	struct smmu_domain *parent = ctx;

	return iofd_pgtable_lookup(&parent->pt, gpa, perm);
}

static void smmu_nested_src(struct smmu_nested *n, struct smmu_shadow_src *src)
{
	*src = (struct smmu_shadow_src){
		.ttb0 = n->guest.ttb0,
		.ias = n->guest.ias,
		.gpa_to_hpa = smmu_parent_gpa_to_hpa,
		.read_hpa = iofd_read_ram,
		.ctx = n->parent,
	};
}

/* (Re)read the guest CD the vSTE points at; false when it is unusable */
static bool smmu_nested_read_cd(struct smmu_nested *n)
{
	struct smmu_shadow_src src;
	int rc;

	smmu_nested_src(n, &src);
	rc = smmu_guest_cd_read(&src, n->vste[0] & SMMU_STE0_S1CTXPTR,
				&n->guest);
	if (rc && rc != -ENOENT)
		pr_debug_ratelimited("guest CD at %#llx refused (%d): its stream faults\n",
				     n->vste[0] & SMMU_STE0_S1CTXPTR, rc);
	return !rc;
}

/*
 * Rebuild [@start, @last] of @n's shadow from the guest's tables and the
 * parent (@refill: only add what is missing; @reread_cd: the CD first),
 * then invalidate it.  Caller holds the parent's nest_lock, which keeps
 * the parent's table still while it is walked.
 */
static int smmu_nested_sync(struct smmu_nested *n, u64 start, u64 last,
			    bool refill, bool reread_cd)
{
	struct smmu_unit *unit = n->parent->unit;
	struct smmu_shadow_src src;
	bool whole = !start && last == U64_MAX;
	LIST_HEAD(freelist);
	int rc, inv_rc = 0;

	lockdep_assert_held(&n->parent->nest_lock);
	if (n->cfg != SMMU_STE_CFG_S1 || n->hw)
		return 0;
	if (reread_cd) {
		bool was_valid = n->guest.valid;

		smmu_nested_read_cd(n);
		/* Another table now: nothing of the old one may stay */
		if (was_valid || n->guest.valid)
			start = 0, last = U64_MAX, whole = true, refill = false;
	}
	smmu_nested_src(n, &src);
	rc = smmu_shadow_sync(&n->shadow, n->guest.valid ? &src : NULL, start,
			      last, refill, &freelist, &n->stats);
	n->syncs++;
	if (whole)
		n->needs_retry = false;
	if (rc || n->stats.unreachable || n->stats.truncated ||
	    !n->guest.valid)
		n->needs_retry = true;
	smp_mb();	/* shadow writes before the @users read */
	if (READ_ONCE(n->users)) {
		if (whole)
			start = 0, last = U64_MAX;
		if (n->defer_inv) {
			n->inv_start = n->inv_pending ?
				       min(n->inv_start, start) : start;
			n->inv_last = n->inv_pending ?
				      max(n->inv_last, last) : last;
			n->inv_pending = true;
			list_splice_tail_init(&freelist, &n->inv_free);
			return rc;
		}
		inv_rc = smmu_tlbi_range(unit, n->asid, whole ? 0 : start,
					 whole ? 0 : last - start + 1);
	}
	smmu_free_after_invalidation(&freelist, inv_rc);
	return rc;
}

/*
 * End of a guest invalidation array: one TLBI (and one CMD_SYNC) for the
 * span its syncs changed, then the table pages they dropped.  A span
 * wider than smmu_tlbi_range()'s page limit becomes TLBI_NH_ASID.
 */
static void smmu_nested_flush_inv(struct smmu_nested *n)
{
	bool whole = !n->inv_start && n->inv_last == U64_MAX;
	int inv_rc;

	lockdep_assert_held(&n->parent->nest_lock);
	n->defer_inv = false;
	if (!n->inv_pending)
		return;
	n->inv_pending = false;
	inv_rc = smmu_tlbi_range(n->parent->unit, n->asid,
				 whole ? 0 : n->inv_start,
				 whole ? 0 : n->inv_last - n->inv_start + 1);
	smmu_free_after_invalidation(&n->inv_free, inv_rc);
}

/*
 * After a parent unmap: the CD is read again (a different or unreachable
 * CD rebuilds the shadow, emptying it first), else the shadow entries the
 * guest's tables and the parent no longer give are dropped, before the
 * pages are unpinned, and nothing else: that allocates nothing, so a guest
 * mapping that is still valid never goes missing.
 */
static void smmu_nested_prune(struct smmu_nested *n)
{
	struct smmu_guest_cd old = n->guest;
	struct smmu_shadow_src src;
	LIST_HEAD(freelist);
	int inv_rc = 0;

	lockdep_assert_held(&n->parent->nest_lock);
	if (n->cfg != SMMU_STE_CFG_S1 || n->hw)
		return;
	smmu_nested_read_cd(n);
	if (old.valid != n->guest.valid || old.ttb0 != n->guest.ttb0 ||
	    old.ias != n->guest.ias || old.asid != n->guest.asid) {
		smmu_nested_sync(n, 0, U64_MAX, false, false);
		return;
	}
	smmu_nested_src(n, &src);
	if (!n->guest.valid ||
	    !smmu_shadow_prune(&n->shadow, &src, &freelist))
		return;
	/* What was dropped is out of reach now: a later parent map refills */
	n->needs_retry = true;
	n->syncs++;
	smp_mb();	/* shadow writes before the @users read */
	if (READ_ONCE(n->users))
		inv_rc = smmu_tlbi_range(n->parent->unit, n->asid, 0, 0);
	smmu_free_after_invalidation(&freelist, inv_rc);
}

/*
 * The parent's mappings changed (under its nest_lock).  After an unmap
 * every shadow is pruned (above).  After a map, shadows that had something
 * out of reach are refilled.
 */
void smmu_nested_parent_changed(struct smmu_domain *parent, bool unmapped)
{
	struct smmu_viommu *vsmmu;
	struct smmu_nested *n;

	lockdep_assert_held(&parent->nest_lock);
	/* Hardware nesting: the vIOMMUs' VMIDs cache the parent too */
	if (parent->s2) {
		if (unmapped)
			list_for_each_entry(vsmmu, &parent->viommus, parent_node)
				smmu_tlbi_s2_range(parent->unit, vsmmu->vmid,
						   0, 0);
		return;
	}
	list_for_each_entry(n, &parent->nested, parent_node) {
		if (unmapped)
			smmu_nested_prune(n);
		else if (n->needs_retry)
			smmu_nested_sync(n, 0, U64_MAX, n->guest.valid,
					 !n->guest.valid);
	}
}

/* The STE a stream attached to @n gets */
void smmu_nested_ste(struct smmu_nested *n, struct smmu_ste *ste)
{
	struct smmu_ste s2;

	/* Hardware mode: the parent's stage 2 under the vIOMMU's VMID */
	smmu_paging_ste(n->parent, &s2);
	if (n->hw) {
		s2.dw[2] &= ~SMMU_STE2_S2VMID;
		s2.dw[2] |= FIELD_PREP(SMMU_STE2_S2VMID, n->viommu->vmid);
	}
	switch (n->cfg) {
	case SMMU_STE_CFG_BYPASS:	/* stage 2 only: the parent */
		*ste = s2;
		break;
	case SMMU_STE_CFG_S1:
		if (n->hw)
			smmu_ste_nested(ste, n->vste, &s2);
		else
			smmu_ste_s1(ste, virt_to_phys(n->cd));
		break;
	default:
		smmu_ste_abort(ste);
	}
}

static void smmu_nested_free(struct iofd_domain *domain)
{
	struct smmu_nested *n = to_smmu_nested(domain);
	struct smmu_domain *parent = n->parent;

	WARN_ON(n->users);
	mutex_lock(&parent->nest_lock);
	list_del(&n->parent_node);
	list_del(&n->viommu_node);
	mutex_unlock(&parent->nest_lock);
	if (n->shadow.top)
		iofd_pgtable_destroy(&n->shadow);
	kfree(n->cd);
	if (n->asid)
		smmu_asid_free(parent->unit, n->asid);
	kfree(n);
}

const struct iofd_domain_ops smmu_nested_ops = {
	.free = smmu_nested_free,
};

static struct iofd_domain *
smmu_viommu_alloc_domain_nested(struct iofd_viommu *viommu,
				struct iofd_device *idev, u32 flags,
				const struct iofd_user_data *data)
{
	struct smmu_viommu *vsmmu = to_smmu_viommu(viommu);
	struct smmu_domain *parent = vsmmu->parent;
	struct smmu_unit *unit = parent->unit;
	struct iommu_hwpt_arm_smmuv3 arg;
	struct smmu_nested *n;
	u64 vste[2];
	int asid, rc;

	if (flags)
		return ERR_PTR(-EOPNOTSUPP);
	rc = iofd_copy_user_data(&arg, sizeof(arg), sizeof(arg), data,
				 IOMMU_HWPT_DATA_ARM_SMMUV3);
	if (rc)
		return ERR_PTR(rc);
	vste[0] = le64_to_cpu(arg.ste[0]);
	vste[1] = le64_to_cpu(arg.ste[1]);
	rc = smmu_vste_check(vste, vste,
			     FIELD_GET(SMMU_IDR1_SSIDSIZE, unit->idr[1]));
	if (rc)
		return ERR_PTR(rc);

	n = iofd_should_fail() ? NULL : kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return ERR_PTR(-ENOMEM);
	n->viommu = vsmmu;
	n->parent = parent;
	n->vste[0] = vste[0];
	n->vste[1] = vste[1];
	n->cfg = vste[0] & SMMU_STE0_V ?
		 FIELD_GET(SMMU_STE0_CFG, vste[0]) : SMMU_STE_CFG_ABORT;
	n->hw = parent->s2;
	INIT_LIST_HEAD(&n->parent_node);
	INIT_LIST_HEAD(&n->inv_free);
	INIT_LIST_HEAD(&n->viommu_node);
	if (n->cfg == SMMU_STE_CFG_S1 && !n->hw) {
		asid = smmu_asid_alloc(unit);
		if (asid < 0) {
			kfree(n);
			return ERR_PTR(asid);
		}
		n->asid = asid;
		rc = -ENOMEM;
		n->cd = iofd_should_fail() ? NULL :
			kzalloc(sizeof(*n->cd), GFP_KERNEL_ACCOUNT);
		if (!n->cd)
			goto err;
		/* 4K shadow entries: the parent's pages behind a guest leaf vary */
		rc = iofd_pgtable_init(&n->shadow, &smmu_s1_fmt, 4, SZ_4K,
				      GFP_KERNEL_ACCOUNT);
		if (rc)
			goto err;
		smmu_cd_encode(n->cd, virt_to_phys(n->shadow.top), 48,
			       unit->ips, n->asid);
	}
	mutex_lock(&parent->nest_lock);
	list_add_tail(&n->parent_node, &parent->nested);
	list_add_tail(&n->viommu_node, &vsmmu->nested);
	/* What the guest's tables already hold */
	rc = smmu_nested_sync(n, 0, U64_MAX, false, true);
	if (rc) {
		list_del(&n->parent_node);
		list_del(&n->viommu_node);
	}
	mutex_unlock(&parent->nest_lock);
	if (rc)
		goto err;
	n->domain.ops = &smmu_nested_ops;
	n->domain.driver = &smmu_driver;
	n->domain.type = IOFD_DOMAIN_NESTED;
	n->domain.owns_pasid_table = true;
	return &n->domain;

err:
	if (n->shadow.top)
		iofd_pgtable_destroy(&n->shadow);
	kfree(n->cd);
	if (n->asid)
		smmu_asid_free(unit, n->asid);
	kfree(n);
	return ERR_PTR(rc);
}

/* The 4K-aligned inclusive range a TLBI_NH_VA/VAA covers in @n */
static void smmu_tlbi_window(struct smmu_nested *n, const u64 cmd[2],
			     u64 *start, u64 *last)
{
	u64 va = cmd[1] & SMMU_CMD1_VA;
	unsigned int tg = FIELD_GET(SMMU_CMD1_TG, cmd[1]);

	if (!tg) {
		struct smmu_shadow_src src;
		u64 size;

		/* No range: the whole guest entry at @va (see the walker) */
		smmu_nested_src(n, &src);
		size = n->guest.valid ? smmu_shadow_extent(&src, va) : SZ_4K;
		*start = va & ~(size - 1);
		*last = *start + size - 1;
	} else {
		unsigned int gran = 2 * tg + 10;
		u64 pages = (FIELD_GET(SMMU_CMD0_NUM, cmd[0]) + 1) <<
			    FIELD_GET(SMMU_CMD0_SCALE, cmd[0]);

		*start = va & ~((1ULL << gran) - 1);
		/* At most 32 << 31 granules: no overflow below 2^64 */
		*last = *start + (pages << gran) - 1;
		if (*last < *start)
			*last = U64_MAX;
	}
}

/*
 * @index: of the command being handled; @failed / @fail_index: a merged
 * (deferred) shadow sync failed, and the index of its first command, which
 * becomes entry_num
 */
struct smmu_inv_ctx {
	struct smmu_viommu *vsmmu;
	u32 index;
	bool failed;
	u32 fail_index;
};

/* Sync the merged TLBI_NH_VA(A) window of @n now, if there is one */
static int smmu_nested_flush_sync(struct smmu_nested *n,
				  struct smmu_inv_ctx *ctx)
{
	int rc;

	if (!n->sync_pending)
		return 0;
	n->sync_pending = false;
	rc = smmu_nested_sync(n, n->sync_start, n->sync_last, false, false);
	if (rc && (!ctx->failed || n->sync_first < ctx->fail_index)) {
		ctx->failed = true;
		ctx->fail_index = n->sync_first;
	}
	return rc;
}

/*
 * A guest TLBI_NH_VA(A) over [@start, @last]: merged with the pending
 * window when they touch (a guest unmapping a range sends one per page),
 * else the pending one is synced first.  One walk of 512 pages costs about
 * what one walk of a single page does.
 */
static int smmu_nested_sync_later(struct smmu_nested *n, u64 start, u64 last,
				  struct smmu_inv_ctx *ctx, u32 index)
{
	int rc;

	if (n->sync_pending &&
	    (!start || start - 1 <= n->sync_last) &&
	    (last == U64_MAX || last + 1 >= n->sync_start)) {
		n->sync_start = min(n->sync_start, start);
		n->sync_last = max(n->sync_last, last);
		return 0;
	}
	rc = smmu_nested_flush_sync(n, ctx);
	if (rc)
		return rc;
	n->sync_pending = true;
	n->sync_start = start;
	n->sync_last = last;
	n->sync_first = index;
	return 0;
}

/*
 * Hardware mode: the guest's command to the unit, as upstream rewrites
 * it: TLBI_NSNH_ALL becomes TLBI_NH_ALL, every TLBI gets the vIOMMU's
 * VMID (the guest's ASIDs live inside it), CFGI_CD / ATC_INV the
 * physical StreamID
 */
static int smmu_viommu_forward(struct smmu_viommu *vsmmu, const u64 cmd[2],
			       u32 psid)
{
	unsigned int op = FIELD_GET(SMMU_CMD0_OP, cmd[0]);
	struct smmu_cmd c = { .dw = { cmd[0], cmd[1] } };

	switch (op) {
	case SMMU_OP_TLBI_NSNH_ALL:
		c = smmu_cmd_tlbi_vmid(vsmmu->vmid, false);
		break;
	case SMMU_OP_TLBI_NH_ALL:
	case SMMU_OP_TLBI_NH_ASID:
	case SMMU_OP_TLBI_NH_VA:
	case SMMU_OP_TLBI_NH_VAA:
		c.dw[0] &= ~SMMU_CMD0_VMID;
		c.dw[0] |= FIELD_PREP(SMMU_CMD0_VMID, vsmmu->vmid);
		break;
	default:	/* CFGI_CD, CFGI_CD_ALL, ATC_INV */
		c.dw[0] &= ~SMMU_CMD0_SID;
		c.dw[0] |= FIELD_PREP(SMMU_CMD0_SID, psid);
	}
	return smmu_cmdq_submit(vsmmu->parent->unit, &c, 1);
}

/*
 * One guest command, with upstream's opcode list.  The guest's ASIDs live
 * in its own CDs; a TLBI resyncs the shadows whose guest CD has that ASID.
 * CFGI_CD(_ALL) re-reads the CDs (of every S1 nested domain of the vIOMMU:
 * cheaper to reason about than following which device uses which).
 */
static int smmu_viommu_invalidate_one(void *ctx, const void *entry)
{
	const struct iommu_viommu_arm_smmuv3_invalidate *inv = entry;
	struct smmu_inv_ctx *ictx = ctx;
	struct smmu_viommu *vsmmu = ictx->vsmmu;
	u32 index = ictx->index++;
	u64 cmd[2] = { le64_to_cpu(inv->cmd[0]), le64_to_cpu(inv->cmd[1]) };
	unsigned int op = FIELD_GET(SMMU_CMD0_OP, cmd[0]);
	struct iofd_device *dev;
	struct smmu_nested *n;
	u32 psid = 0;
	int rc = 0;

	switch (op) {
	case SMMU_OP_TLBI_NSNH_ALL:
	case SMMU_OP_TLBI_NH_ALL:
	case SMMU_OP_TLBI_NH_ASID:
	case SMMU_OP_TLBI_NH_VA:
	case SMMU_OP_TLBI_NH_VAA:
		break;
	case SMMU_OP_ATC_INV:
	case SMMU_OP_CFGI_CD:
	case SMMU_OP_CFGI_CD_ALL:
		/* The vSID must be one of this vIOMMU's vDEVICEs */
		xa_lock(&vsmmu->core.vdevs);
		dev = iofd_viommu_find_dev(&vsmmu->core,
					   FIELD_GET(SMMU_CMD0_SID, cmd[0]));
		if (dev)
			psid = to_smmu_dev(dev)->sid;
		xa_unlock(&vsmmu->core.vdevs);
		if (!dev)
			return -EIO;
		break;
	default:
		return -EIO;
	}
	if (vsmmu->parent->s2)
		return smmu_viommu_forward(vsmmu, cmd, psid);
	/* Shadow mode, no ATS: nothing caches translations in the device */
	if (op == SMMU_OP_ATC_INV)
		return 0;

	lockdep_assert_held(&vsmmu->parent->nest_lock);
	list_for_each_entry(n, &vsmmu->nested, viommu_node) {
		u64 start = 0, last = U64_MAX;

		if (n->cfg != SMMU_STE_CFG_S1)
			continue;
		if (op == SMMU_OP_CFGI_CD || op == SMMU_OP_CFGI_CD_ALL) {
			/* In the guest's order: its earlier TLBIs first */
			rc = smmu_nested_flush_sync(n, ictx);
			if (!rc)
				rc = smmu_nested_sync(n, 0, U64_MAX, false,
						      true);
		} else {
			if ((op == SMMU_OP_TLBI_NH_ASID ||
			     op == SMMU_OP_TLBI_NH_VA) &&
			    (!n->guest.valid ||
			     n->guest.asid != FIELD_GET(SMMU_CMD0_ASID, cmd[0])))
				continue;
			if (op == SMMU_OP_TLBI_NH_VA ||
			    op == SMMU_OP_TLBI_NH_VAA) {
				smmu_tlbi_window(n, cmd, &start, &last);
				rc = smmu_nested_sync_later(n, start, last,
							    ictx, index);
			} else {
				rc = smmu_nested_flush_sync(n, ictx);
				if (!rc)
					rc = smmu_nested_sync(n, start, last,
							      false, false);
			}
		}
		if (rc)
			break;
	}
	return rc;
}

static int smmu_viommu_cache_invalidate(struct iofd_viommu *viommu,
					struct iofd_user_array *array)
{
	struct iommu_viommu_arm_smmuv3_invalidate inv;
	struct smmu_viommu *vsmmu = to_smmu_viommu(viommu);
	struct smmu_inv_ctx ctx = { vsmmu };
	struct smmu_nested *n;
	int rc;

	/*
	 * The whole array under nest_lock, the shadows' physical TLBIs
	 * gathered and issued once at the end (as a guest batches commands
	 * before one CMD_SYNC): a parent unmap in between would otherwise
	 * see deferred state.  The array is the caller's own and the walk
	 * stops on a fatal signal.
	 */
	mutex_lock(&vsmmu->parent->nest_lock);
	list_for_each_entry(n, &vsmmu->nested, viommu_node)
		n->defer_inv = true;
	/* Longer entries with a zero tail are taken, as upstream */
	rc = iofd_user_array_for_each(array,
				      IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				      &inv, sizeof(inv), sizeof(inv), false,
				      smmu_viommu_invalidate_one, &ctx);
	list_for_each_entry(n, &vsmmu->nested, viommu_node) {
		int sync_rc = smmu_nested_flush_sync(n, &ctx);

		if (!rc)
			rc = sync_rc;
		smmu_nested_flush_inv(n);
	}
	mutex_unlock(&vsmmu->parent->nest_lock);
	/* A merged sync that failed: entry_num names its first command */
	if (ctx.failed && ctx.fail_index < array->entry_num)
		array->entry_num = ctx.fail_index;
	return rc;
}

static int smmu_viommu_vdevice_init(struct iofd_viommu *viommu,
				    struct iofd_device *idev, u64 virt_id)
{
	struct smmu_viommu *vsmmu = to_smmu_viommu(viommu);
	struct smmu_dev *sdev = to_smmu_dev(idev);

	/* A StreamID is 32 bits; the device must be behind the same unit */
	if (virt_id > U32_MAX || sdev->unit != vsmmu->parent->unit)
		return -EINVAL;
	sdev->vsid = virt_id;
	WRITE_ONCE(sdev->vsmmu, vsmmu);
	return 0;
}

static void smmu_viommu_vdevice_destroy(struct iofd_viommu *viommu,
					struct iofd_device *idev, u64 virt_id)
{
	struct smmu_dev *sdev = to_smmu_dev(idev);

	if (READ_ONCE(sdev->vsmmu) == to_smmu_viommu(viommu))
		WRITE_ONCE(sdev->vsmmu, NULL);
}

static void smmu_viommu_destroy(struct iofd_viommu *viommu)
{
	struct smmu_viommu *vsmmu = to_smmu_viommu(viommu);
	struct smmu_domain *parent = vsmmu->parent;

	/* Nested domains hold the vIOMMU: none is left */
	WARN_ON(!list_empty(&vsmmu->nested));
	mutex_lock(&parent->nest_lock);
	list_del(&vsmmu->parent_node);
	mutex_unlock(&parent->nest_lock);
	/* Its streams are gone: drop what the unit cached under the VMID */
	if (parent->s2)
		smmu_tlbi_s2_range(parent->unit, vsmmu->vmid, 0, 0);
	smmu_vmid_free(parent->unit, vsmmu->vmid);
}

static const struct iofd_viommu_ops smmu_viommu_ops = {
	.destroy = smmu_viommu_destroy,
	.alloc_domain_nested = smmu_viommu_alloc_domain_nested,
	.cache_invalidate = smmu_viommu_cache_invalidate,
	.vdevice_init = smmu_viommu_vdevice_init,
	.vdevice_destroy = smmu_viommu_vdevice_destroy,
};

size_t smmu_viommu_size(struct iofd_device *idev, u32 type)
{
	static_assert(offsetof(struct smmu_viommu, core) == 0);
	return type == IOMMU_VIOMMU_TYPE_ARM_SMMUV3 ?
	       sizeof(struct smmu_viommu) : 0;
}

/*
 * A vIOMMU over a nest parent of the same unit, with a VMID of its own
 * (the object model: one stage 2 may serve several vIOMMUs, each with its
 * own ID).  User data is not used by this type (as upstream).
 */
int smmu_viommu_init(struct iofd_viommu *viommu, struct iofd_device *idev,
		     const struct iofd_user_data *data)
{
	struct smmu_viommu *vsmmu = to_smmu_viommu(viommu);
	struct smmu_domain *parent;
	int vmid;

	if (viommu->parent->ops != &smmu_domain_ops)
		return -EINVAL;
	parent = to_smmu_domain(viommu->parent);
	if (!parent->nest_parent || parent->unit != to_smmu_dev(idev)->unit)
		return -EINVAL;
	vmid = smmu_vmid_alloc(parent->unit);
	if (vmid < 0)
		return vmid;
	vsmmu->parent = parent;
	vsmmu->vmid = vmid;
	INIT_LIST_HEAD(&vsmmu->nested);
	mutex_lock(&parent->nest_lock);
	list_add_tail(&vsmmu->parent_node, &parent->viommus);
	mutex_unlock(&parent->nest_lock);
	viommu->ops = &smmu_viommu_ops;
	return 0;
}
