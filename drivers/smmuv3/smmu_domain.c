// SPDX-License-Identifier: GPL-2.0
/*
 * Paging domains: a stage-1 table behind one context descriptor with its
 * own ASID, and pointing devices' STEs at them.
 *
 * A paging domain is stage 1 (its own CD and ASID), except a nest parent
 * on a unit with stage 2 (IDR0.S2P), which is a stage-2 table with a VMID
 * as upstream's; QEMU 7.2 has no stage 2, so there that path is checked
 * by KUnit walks only.
 *
 * The SMMU caches only valid translations (no "caching mode"), so a map
 * needs no invalidation; an unmap does a TLBI by VA / IPA or by ASID /
 * VMID + SYNC before returning.  A domain nobody uses has nothing cached: the last
 * detach flushes its ASID.  Attach raises @users (unit lock) before it
 * writes the STE, unmap reads @users after it cleared the PTEs, with a full
 * barrier on both sides: either the unmap invalidates, or the unit first
 * sees the domain after the PTEs were cleared.
 */
#define pr_fmt(fmt) "iofd_smmuv3: " fmt

#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include "smmu.h"
#include "smmu_entries.h"

#define SMMU_IAS	48	/* 4 levels of 4K tables, T0SZ 16 */

static int smmu_domain_invalidate(struct smmu_domain *sd, u64 iova, u64 len)
{
	smp_mb();	/* PTE writes before the @users read; see above */
	if (!READ_ONCE(sd->users))
		return 0;
	if (sd->s2)
		return smmu_tlbi_s2_range(sd->unit, sd->vmid, iova, len);
	return smmu_tlbi_range(sd->unit, sd->asid, iova, len);
}

static int smmu_map_pages(struct iofd_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct smmu_domain *sd = to_smmu_domain(domain);
	int rc;

	if (sd->nest_parent)
		mutex_lock(&sd->nest_lock);
	rc = iofd_pgtable_map(&sd->pt, iova, paddr, pgsize, pgcount,
			     prot & IOFD_PROT_READ, prot & IOFD_PROT_WRITE,
			     gfp, mapped);
	if (sd->nest_parent) {
		/* Guest tables or pages may have become reachable */
		if (*mapped)
			smmu_nested_parent_changed(sd, false);
		mutex_unlock(&sd->nest_lock);
	}
	return rc;
}

static size_t smmu_unmap_pages(struct iofd_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount)
{
	struct smmu_domain *sd = to_smmu_domain(domain);
	LIST_HEAD(freelist);
	size_t unmapped;
	int inv_rc = 0;

	if (sd->nest_parent)
		mutex_lock(&sd->nest_lock);
	unmapped = iofd_pgtable_unmap(&sd->pt, iova, pgsize, pgcount,
				     &freelist);
	if (unmapped)
		inv_rc = smmu_domain_invalidate(sd, iova,
						(u64)pgsize * pgcount);
	/* Shadows over the old mappings point at pages about to be unpinned */
	if (sd->nest_parent) {
		if (unmapped)
			smmu_nested_parent_changed(sd, true);
		mutex_unlock(&sd->nest_lock);
	}
	smmu_free_after_invalidation(&freelist, inv_rc);
	return unmapped;
}

static phys_addr_t smmu_iova_to_phys(struct iofd_domain *domain,
				     unsigned long iova)
{
	return iofd_pgtable_iova_to_phys(&to_smmu_domain(domain)->pt, iova);
}

static void smmu_domain_free(struct iofd_domain *domain)
{
	struct smmu_domain *sd = to_smmu_domain(domain);

	WARN_ON(sd->users);
	WARN_ON(!list_empty(&sd->nested) || !list_empty(&sd->viommus));
	iofd_pgtable_destroy(&sd->pt);
	kfree(sd->cd);
	if (sd->s2)
		smmu_vmid_free(sd->unit, sd->vmid);
	else
		smmu_asid_free(sd->unit, sd->asid);
	kfree(sd);
}

const struct iofd_domain_ops smmu_domain_ops = {
	.map_pages = smmu_map_pages,
	.unmap_pages = smmu_unmap_pages,
	.iova_to_phys = smmu_iova_to_phys,
	.free = smmu_domain_free,
};

struct iofd_domain *smmu_domain_alloc_paging(struct iofd_device *idev,
					     u32 flags)
{
	struct smmu_unit *unit = to_smmu_dev(idev)->unit;
	bool s2 = (flags & IOFD_DOMAIN_F_NEST_PARENT) &&
		  (unit->idr[0] & SMMU_IDR0_S2P);
	struct smmu_domain *sd;
	int id, rc = -ENOMEM;

	/* No PASIDs (SSIDSIZE 0 on QEMU 7.2), no dirty tracking (no HTTU) */
	if (flags & ~IOFD_DOMAIN_F_NEST_PARENT)
		return ERR_PTR(-EOPNOTSUPP);
	sd = iofd_should_fail() ? NULL : kzalloc(sizeof(*sd), GFP_KERNEL_ACCOUNT);
	if (!sd)
		return ERR_PTR(-ENOMEM);
	id = s2 ? smmu_vmid_alloc(unit) : smmu_asid_alloc(unit);
	if (id < 0) {
		kfree(sd);
		return ERR_PTR(id);
	}
	sd->unit = unit;
	sd->s2 = s2;
	if (s2)
		sd->vmid = id;
	else
		sd->asid = id;
	sd->nest_parent = flags & IOFD_DOMAIN_F_NEST_PARENT;
	mutex_init(&sd->nest_lock);
	INIT_LIST_HEAD(&sd->nested);
	INIT_LIST_HEAD(&sd->viommus);
	rc = iofd_pgtable_init(&sd->pt, s2 ? &smmu_s2_fmt : &smmu_s1_fmt, 4,
			      SZ_4K | SZ_2M | SZ_1G, GFP_KERNEL_ACCOUNT);
	if (rc)
		goto err;
	if (!s2) {
		/* kmalloc aligns a 64-byte object to 64 bytes (S1ContextPtr) */
		rc = -ENOMEM;
		sd->cd = iofd_should_fail() ? NULL :
			 kzalloc(sizeof(*sd->cd), GFP_KERNEL_ACCOUNT);
		if (!sd->cd)
			goto err_pt;
		smmu_cd_encode(sd->cd, virt_to_phys(sd->pt.top), SMMU_IAS,
			       unit->ips, sd->asid);
	}
	sd->domain.ops = &smmu_domain_ops;
	sd->domain.driver = &smmu_driver;
	sd->domain.type = IOFD_DOMAIN_PAGING;
	sd->domain.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G;
	sd->domain.aperture_start = 0;
	/* Stage 2 translates what the output size can hold (an IPA) */
	sd->domain.aperture_last = (1ULL << (s2 ? unit->s2_ias : SMMU_IAS)) - 1;
	return &sd->domain;

err_pt:
	iofd_pgtable_destroy(&sd->pt);
err:
	if (s2)
		smmu_vmid_free(unit, id);
	else
		smmu_asid_free(unit, id);
	kfree(sd);
	return ERR_PTR(rc);
}

/* The STE of a stream using paging domain @sd */
void smmu_paging_ste(struct smmu_domain *sd, struct smmu_ste *ste)
{
	if (sd->s2)
		smmu_ste_s2(ste, virt_to_phys(sd->pt.top), sd->unit->s2_ias,
			    sd->unit->ips, sd->vmid);
	else
		smmu_ste_s1(ste, virt_to_phys(sd->cd));
}

/*
 * Who an attached domain's translations belong to: the unit, the counter
 * of streams using them and the domain whose tag (ASID or VMID) they
 * carry (*@users NULL: the STE aborts, nothing is cached).  false for a
 * domain that is not ours.
 */
static bool smmu_domain_target(struct iofd_domain *domain,
			       struct smmu_unit **unit, unsigned int **users,
			       struct smmu_domain **tag, struct smmu_nested **n)
{
	*users = NULL;
	*tag = NULL;
	*n = NULL;
	if (domain->ops == &smmu_domain_ops) {
		*tag = to_smmu_domain(domain);
		*unit = (*tag)->unit;
		*users = &(*tag)->users;
		return true;
	}
	if (domain->ops == &smmu_nested_ops) {
		struct smmu_nested *nd = to_smmu_nested(domain);

		*unit = nd->parent->unit;
		if (nd->cfg == SMMU_STE_CFG_BYPASS && !nd->hw) {
			/* Stage 1 bypassed: the parent's translation alone */
			*tag = nd->parent;
			*users = &nd->parent->users;
		} else if (nd->cfg != SMMU_STE_CFG_ABORT) {
			/* Shadow stage 1, or anything under the vIOMMU's VMID */
			*n = nd;
			*users = &nd->users;
		}
		return true;
	}
	return false;
}

/* The STE that makes a stream use @domain (NULL: blocked) */
void smmu_domain_ste(struct iofd_domain *domain, struct smmu_ste *ste)
{
	if (!domain)
		smmu_ste_abort(ste);
	else if (domain->ops == &smmu_nested_ops)
		smmu_nested_ste(to_smmu_nested(domain), ste);
	else
		smmu_paging_ste(to_smmu_domain(domain), ste);
}

/* One stream less on @domain; the last one flushes its ASID.  Unit lock */
static void smmu_domain_users_dec(struct iofd_domain *domain)
{
	struct smmu_domain *tag;
	struct smmu_unit *unit;
	struct smmu_nested *n;
	unsigned int *users;

	if (!domain || !smmu_domain_target(domain, &unit, &users, &tag, &n) ||
	    !users)
		return;
	WRITE_ONCE(*users, *users - 1);
	if (*users)
		return;
	if (n && n->hw)		/* the guest's ASIDs live in the VMID */
		smmu_tlbi_s2_range(unit, n->viommu->vmid, 0, 0);
	else if (n)
		smmu_tlbi_range(unit, n->asid, 0, 0);
	else if (tag->s2)
		smmu_tlbi_s2_range(unit, tag->vmid, 0, 0);
	else
		smmu_tlbi_range(unit, tag->asid, 0, 0);
}

/*
 * The core serializes attach and block of one device (its device lock):
 * @sdev->domain is stable here.  Replacing is one STE update: the old
 * translation until doubleword 0 changes, the new one after.
 */
int smmu_attach_dev(struct iofd_domain *domain, struct iofd_device *idev,
		    u32 pasid)
{
	struct smmu_dev *sdev = to_smmu_dev(idev);
	struct smmu_unit *unit = sdev->unit, *dom_unit;
	struct iofd_domain *old = sdev->domain;
	struct smmu_domain *tag;
	struct smmu_nested *n;
	unsigned int *users;
	struct smmu_ste ste;

	/* No substreams (SSIDSIZE 0 on QEMU 7.2; edu has no PASID either) */
	if (pasid != IOFD_NO_PASID)
		return -EINVAL;
	if (old == domain)
		return 0;
	if (!smmu_domain_target(domain, &dom_unit, &users, &tag, &n) ||
	    dom_unit != unit)
		return -EINVAL;
	mutex_lock(&unit->lock);
	if (users) {
		WRITE_ONCE(*users, *users + 1);
		smp_mb();	/* @users before the STE; see the file comment */
	}
	smmu_domain_ste(domain, &ste);
	smmu_write_ste(unit, sdev->sid, &ste);
	smmu_domain_users_dec(old);
	sdev->domain = domain;
	mutex_unlock(&unit->lock);
	return 0;
}

void smmu_block_dev(struct iofd_device *idev, u32 pasid)
{
	struct smmu_dev *sdev = to_smmu_dev(idev);
	struct smmu_unit *unit = sdev->unit;
	struct smmu_ste ste;

	if (pasid != IOFD_NO_PASID)
		return;
	mutex_lock(&unit->lock);
	smmu_ste_abort(&ste);
	smmu_write_ste(unit, sdev->sid, &ste);
	smmu_domain_users_dec(sdev->domain);
	sdev->domain = NULL;
	mutex_unlock(&unit->lock);
}
