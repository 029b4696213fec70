// SPDX-License-Identifier: GPL-2.0
/*
 * One remapping unit: registers, the invalidation queue, root/context/PASID
 * tables, and fault recording.
 *
 * Emulator facts this code relies on (QEMU 7.2, ../shared/EMULATORS.md):
 * GCMD is write-only, so every write carries the persistent bits read from
 * GSTS; 256-bit descriptors need IQA.DW; IQT is reset to 0 before the queue
 * is enabled; a wait descriptor never sets both SW and IF; the queue can
 * only be disabled after a wait descriptor; a PASID entry change is only
 * seen after a context-cache invalidation (no PASID cache is emulated);
 * ECAP.C is 0, so table writes are flushed from the CPU caches.
 */
#define pr_fmt(fmt) "iofd_vtd: " fmt

#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <asm/cacheflush.h>
#include "vtd.h"
#include "vtd_entries.h"

#define VTD_TIMEOUT_US	1000000

static u32 vtd_read32(struct vtd_unit *unit, unsigned int off)
{
	return readl(unit->regs + off);
}

static void vtd_write32(struct vtd_unit *unit, unsigned int off, u32 val)
{
	writel(val, unit->regs + off);
}

static u64 vtd_read64(struct vtd_unit *unit, unsigned int off)
{
	return readq(unit->regs + off);
}

static void vtd_write64(struct vtd_unit *unit, unsigned int off, u64 val)
{
	writeq(val, unit->regs + off);
}

void vtd_flush_range(struct vtd_unit *unit, void *va, size_t len)
{
	if (!unit->coherent)
		clflush_cache_range(va, len);
}

/* Set or clear one persistent GCMD bit and wait for GSTS to follow */
static int vtd_gcmd(struct vtd_unit *unit, u32 bit, bool on)
{
	u32 sts = vtd_read32(unit, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT;
	unsigned int us;

	vtd_write32(unit, VTD_REG_GCMD, on ? sts | bit : sts & ~bit);
	for (us = 0; us < VTD_TIMEOUT_US; us += 10) {
		if (!!(vtd_read32(unit, VTD_REG_GSTS) & bit) == on)
			return 0;
		udelay(10);
	}
	pr_err("%s: GSTS bit %#x did not become %d\n", unit->name, bit, on);
	return -ETIMEDOUT;
}

/* Latch RTADDR (SRTP is a one-shot command; RTPS then reads as set) */
static int vtd_set_root(struct vtd_unit *unit)
{
	u32 sts = vtd_read32(unit, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT;
	unsigned int us;

	vtd_write64(unit, VTD_REG_RTADDR,
		    virt_to_phys(unit->root) | VTD_RTADDR_TTM_SM);
	vtd_write32(unit, VTD_REG_GCMD, sts | VTD_GCMD_SRTP);
	for (us = 0; us < VTD_TIMEOUT_US; us += 10) {
		if (vtd_read32(unit, VTD_REG_GSTS) & VTD_GCMD_SRTP)
			return 0;
		udelay(10);
	}
	return -ETIMEDOUT;
}

/*
 * Queue @n descriptors and a wait descriptor, then poll until the wait
 * wrote its status.  The queue is empty between submissions, so @n must
 * leave room for the wait.
 */
int vtd_qi_submit(struct vtd_unit *unit, const struct vtd_qi_desc *descs,
		  unsigned int n)
{
	unsigned int first, i, us;
	struct vtd_qi_desc wait;
	int rc = 0;
	u32 seq;

	if (WARN_ON(n + 1 >= VTD_QI_ENTRIES))
		return -EINVAL;
	mutex_lock(&unit->qi_lock);
	seq = ++unit->qi_seq;
	wait = vtd_qi_wait(virt_to_phys(unit->qi_status), seq);
	first = unit->qi_tail;
	for (i = 0; i <= n; i++) {
		unit->qi[unit->qi_tail] = i < n ? descs[i] : wait;
		vtd_flush_range(unit, &unit->qi[unit->qi_tail],
				sizeof(wait));
		unit->qi_tail = (unit->qi_tail + 1) % VTD_QI_ENTRIES;
	}
	/* The descriptors must be in memory before the tail moves */
	wmb();
	vtd_write64(unit, VTD_REG_IQT, (u64)unit->qi_tail << 5);
	for (us = 0; READ_ONCE(*unit->qi_status) != seq; us++) {
		u32 fsts = vtd_read32(unit, VTD_REG_FSTS);

		if (fsts & VTD_FSTS_IQE) {
			u64 head = vtd_read64(unit, VTD_REG_IQH);

			pr_err("%s: invalidation queue error at descriptor %llu (queued from %u): %016llx %016llx\n",
			       unit->name, head >> 5, first,
			       unit->qi[(head >> 5) % VTD_QI_ENTRIES].qw[0],
			       unit->qi[(head >> 5) % VTD_QI_ENTRIES].qw[1]);
			/* Drop the rest of this batch, then resume */
			vtd_write64(unit, VTD_REG_IQT, head);
			unit->qi_tail = (head >> 5) % VTD_QI_ENTRIES;
			vtd_write32(unit, VTD_REG_FSTS, VTD_FSTS_IQE);
			rc = -EIO;
			break;
		}
		if (us >= VTD_TIMEOUT_US) {
			pr_err("%s: invalidation wait timed out\n",
			       unit->name);
			rc = -ETIMEDOUT;
			break;
		}
		udelay(1);
	}
	mutex_unlock(&unit->qi_lock);
	return rc;
}

static void *vtd_alloc_table(struct vtd_unit *unit)
{
	void *p = iofd_should_fail() ? NULL : (void *)get_zeroed_page(GFP_KERNEL);

	if (p)
		vtd_flush_range(unit, p, PAGE_SIZE);
	return p;
}

/* The context entry of @rid, allocating its context table */
static struct vtd_context_entry *vtd_context_entry(struct vtd_unit *unit,
						   u16 rid, bool alloc)
{
	unsigned int bus = rid >> 8, devfn = rid & 0xff;
	unsigned int half = devfn >> 7;
	struct vtd_context_entry **tbl = &unit->ctx_tables[bus * 2 + half];
	u64 *root_half;

	lockdep_assert_held(&unit->lock);
	if (!*tbl) {
		if (!alloc)
			return NULL;
		*tbl = vtd_alloc_table(unit);
		if (!*tbl)
			return NULL;
		root_half = half ? &unit->root[bus].hi : &unit->root[bus].lo;
		WRITE_ONCE(*root_half, vtd_root_half(virt_to_phys(*tbl)));
		vtd_flush_range(unit, root_half, sizeof(*root_half));
	}
	return &(*tbl)[devfn & 0x7f];
}

/*
 * Point @rid's context entry at the PASID directory @dir (PDTS 0:
 * 128 entries), RID_PASID 0.  The first quadword holds the present bit
 * and the pointer, so an entry in use switches with one store.
 */
static int vtd_set_context(struct vtd_unit *unit, u16 rid, u64 *dir,
			   bool paside)
{
	struct vtd_context_entry *ce = vtd_context_entry(unit, rid, true);
	struct vtd_context_entry new;

	if (!ce)
		return -ENOMEM;
	vtd_context_encode(&new, virt_to_phys(dir), 0, 0, paside);
	WRITE_ONCE(ce->val[3], new.val[3]);
	WRITE_ONCE(ce->val[2], new.val[2]);
	WRITE_ONCE(ce->val[1], new.val[1]);
	WRITE_ONCE(ce->val[0], new.val[0]);
	vtd_flush_range(unit, ce, sizeof(*ce));
	return 0;
}

/* Is @rid (bus << 8 | devfn) in the unit's scope? */
bool vtd_unit_has_rid(struct vtd_unit *unit, u16 segment, u16 rid)
{
	unsigned int i;

	if (segment != unit->segment)
		return false;
	if (unit->include_all)
		return true;
	for (i = 0; i < unit->nr_scope; i++) {
		struct pci_dev *bridge;
		bool below = false;

		if (unit->scope[i] == rid)
			return true;
		/* A bridge in the scope covers everything behind it */
		bridge = pci_get_domain_bus_and_slot(segment,
						     unit->scope[i] >> 8,
						     unit->scope[i] & 0xff);
		if (bridge && bridge->subordinate)
			below = (rid >> 8) >= bridge->subordinate->busn_res.start &&
				(rid >> 8) <= bridge->subordinate->busn_res.end;
		pci_dev_put(bridge);
		if (below)
			return true;
	}
	return false;
}

/* Pass-through context entries for every present device in the scope */
static int vtd_setup_passthrough(struct vtd_unit *unit)
{
	struct vtd_pasid_entry pe;
	struct pci_dev *pdev = NULL;
	unsigned int i;
	int rc = 0;

	unit->pt_dir = vtd_alloc_table(unit);
	unit->pt_table = vtd_alloc_table(unit);
	if (!unit->pt_dir || !unit->pt_table)
		return -ENOMEM;
	vtd_pasid_encode_pt(&pe, unit->agaw, VTD_PT_DID);
	unit->pt_table[0] = pe;
	unit->pt_dir[0] = vtd_pasid_dir_encode(virt_to_phys(unit->pt_table));
	vtd_flush_range(unit, unit->pt_table, PAGE_SIZE);
	vtd_flush_range(unit, unit->pt_dir, PAGE_SIZE);

	mutex_lock(&unit->lock);
	/* Listed endpoints, present or not (hot-plug keeps working) */
	for (i = 0; i < unit->nr_scope && !rc; i++)
		rc = vtd_set_context(unit, unit->scope[i], unit->pt_dir,
				     false);
	for_each_pci_dev(pdev) {
		u16 rid = pci_dev_id(pdev);

		if (rc)
			break;
		if (vtd_unit_has_rid(unit, pci_domain_nr(pdev->bus), rid))
			rc = vtd_set_context(unit, rid, unit->pt_dir, false);
	}
	pci_dev_put(pdev);
	mutex_unlock(&unit->lock);
	return rc;
}

static const char *vtd_fault_reason(u8 fr)
{
	switch (fr) {
	case VTD_FR_ROOT_ENTRY_P:
		return "root entry not present";
	case VTD_FR_CONTEXT_ENTRY_P:
		return "context entry not present";
	case VTD_FR_CONTEXT_ENTRY_INV:
		return "invalid context entry";
	case VTD_FR_ADDR_BEYOND_MGAW:
		return "address beyond the address width";
	case VTD_FR_WRITE:
		return "write not allowed";
	case VTD_FR_READ:
		return "read not allowed";
	case VTD_FR_PAGING_ENTRY_INV:
		return "paging entry unreadable";
	case VTD_FR_PAGING_ENTRY_RSVD:
		return "reserved bits in a paging entry";
	case VTD_FR_PASID_TABLE_INV:
		return "PASID directory/table entry not present or invalid";
	}
	return "other";
}

/*
 * Read and clear every recorded fault.  Logged rate-limited, counted in
 * @faults (a fault flood costs a counter, not the log); the last one is
 * kept for the tests (debugfs last_fault).
 */
void vtd_faults_process(struct vtd_unit *unit)
{
	unsigned int nfr = FIELD_GET(VTD_CAP_NFR, unit->cap) + 1;
	unsigned int fro = FIELD_GET(VTD_CAP_FRO, unit->cap) * 16;
	unsigned int i;

	mutex_lock(&unit->fault_lock);
	for (i = 0; i < nfr; i++) {
		unsigned int off = fro + 16 * i;
		u64 hi = vtd_read64(unit, off + 8), lo;
		u16 sid;

		if (!(hi & VTD_FRCD_HI_F))
			continue;
		lo = vtd_read64(unit, off);
		sid = FIELD_GET(VTD_FRCD_HI_SID, hi);
		pr_warn_ratelimited("%s: DMA %s fault from %02x:%02x.%d PASID %#llx at %#llx: reason %#llx (%s)\n",
				    unit->name,
				    hi & VTD_FRCD_HI_T ? "read" : "write",
				    sid >> 8, PCI_SLOT(sid & 0xff),
				    PCI_FUNC(sid & 0xff),
				    hi & VTD_FRCD_HI_PP ?
				    FIELD_GET(VTD_FRCD_HI_PV, hi) : 0ULL,
				    lo & VTD_FRCD_LO_FI,
				    FIELD_GET(VTD_FRCD_HI_FR, hi),
				    vtd_fault_reason(FIELD_GET(VTD_FRCD_HI_FR,
							       hi)));
		unit->last_fault[0] = lo;
		unit->last_fault[1] = hi;
		atomic64_inc(&unit->faults);
		/* F is write-1-to-clear, in the record's last dword */
		vtd_write32(unit, off + 12, BIT(31));
	}
	/* More faults than records: the unit dropped some (counted) */
	if (vtd_read32(unit, VTD_REG_FSTS) & VTD_FSTS_PFO)
		atomic64_inc(&unit->fault_overflows);
	vtd_write32(unit, VTD_REG_FSTS, VTD_FSTS_PFO | VTD_FSTS_PPF);
	mutex_unlock(&unit->fault_lock);
}

/* Fault interrupts are not wired (no vector allocation for modules): poll */
static void vtd_fault_work(struct work_struct *work)
{
	struct vtd_unit *unit = container_of(to_delayed_work(work),
					     struct vtd_unit, fault_work);

	vtd_faults_process(unit);
	schedule_delayed_work(&unit->fault_work, HZ / 10);
}

static int vtd_qi_enable(struct vtd_unit *unit)
{
	unit->qi = vtd_alloc_table(unit);
	unit->qi_status = kzalloc(sizeof(*unit->qi_status), GFP_KERNEL);
	if (!unit->qi || !unit->qi_status)
		return -ENOMEM;
	unit->qi_tail = 0;
	/* QEMU keeps and replays an old tail: reset it first */
	vtd_write64(unit, VTD_REG_IQT, 0);
	/* One page of 32-byte descriptors: QS 0 with DW */
	vtd_write64(unit, VTD_REG_IQA, virt_to_phys(unit->qi) | VTD_IQA_DW);
	return vtd_gcmd(unit, VTD_GCMD_QIE, true);
}

/* Disabling the queue is only accepted after a wait descriptor */
static void vtd_qi_disable(struct vtd_unit *unit)
{
	if (!(vtd_read32(unit, VTD_REG_GSTS) & VTD_GCMD_QIE))
		return;
	vtd_qi_submit(unit, NULL, 0);
	vtd_gcmd(unit, VTD_GCMD_QIE, false);
}

static int vtd_unit_check(struct vtd_unit *unit)
{
	u32 gsts = vtd_read32(unit, VTD_REG_GSTS);
	unsigned int sagaw;

	unit->cap = vtd_read64(unit, VTD_REG_CAP);
	unit->ecap = vtd_read64(unit, VTD_REG_ECAP);
	if (gsts & (VTD_GCMD_TE | VTD_GCMD_IRE)) {
		pr_err("%s: in use by the kernel (GSTS %#x): boot with intel_iommu=off intremap=off\n",
		       unit->name, gsts);
		return -EBUSY;
	}
	if (!(unit->ecap & VTD_ECAP_SMTS) || !(unit->ecap & VTD_ECAP_QI) ||
	    !(unit->ecap & VTD_ECAP_SLTS)) {
		pr_err("%s: needs scalable mode, queued invalidation and second-level translation (ECAP %#llx)\n",
		       unit->name, unit->ecap);
		return -ENODEV;
	}
	/* The largest AGAW up to 48 bits */
	sagaw = FIELD_GET(VTD_CAP_SAGAW, unit->cap) & 0x6;
	if (!sagaw) {
		pr_err("%s: no 39- or 48-bit AGAW (CAP %#llx)\n", unit->name,
		       unit->cap);
		return -ENODEV;
	}
	unit->agaw = fls(sagaw) - 1;
	unit->sl_pgsizes = SZ_4K;
	if (FIELD_GET(VTD_CAP_SLLPS, unit->cap) & 1)
		unit->sl_pgsizes |= SZ_2M;
	if (FIELD_GET(VTD_CAP_SLLPS, unit->cap) & 2)
		unit->sl_pgsizes |= SZ_1G;
	unit->coherent = unit->ecap & VTD_ECAP_C;
	return 0;
}

/*
 * Map every register CAP and ECAP place (fault records, IOTLB registers),
 * which may lie beyond the first page.  On failure nothing stays mapped
 * or claimed.
 */
static int vtd_unit_map_all(struct vtd_unit *unit)
{
	size_t fault_end = FIELD_GET(VTD_CAP_FRO, unit->cap) * 16 +
			   (FIELD_GET(VTD_CAP_NFR, unit->cap) + 1) * 16;
	size_t iotlb_end = FIELD_GET(VTD_ECAP_IRO, unit->ecap) * 16 + 16;
	size_t size = PAGE_ALIGN(max3(fault_end, iotlb_end,
				      (size_t)VTD_REG_MIN_SIZE));

	if (size == unit->reg_size)
		return 0;
	iounmap(unit->regs);
	release_mem_region(unit->phys, unit->reg_size);
	unit->reg_size = size;
	if (!request_mem_region(unit->phys, size, unit->name))
		return -EBUSY;
	unit->regs = ioremap(unit->phys, size);
	if (!unit->regs) {
		release_mem_region(unit->phys, size);
		return -ENOMEM;
	}
	return 0;
}

static void vtd_unit_free_tables(struct vtd_unit *unit)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unit->ctx_tables); i++)
		free_page((unsigned long)unit->ctx_tables[i]);
	free_page((unsigned long)unit->root);
	free_page((unsigned long)unit->pt_dir);
	free_page((unsigned long)unit->pt_table);
	free_page((unsigned long)unit->qi);
	kfree(unit->qi_status);
}

int vtd_unit_init(struct vtd_unit *unit)
{
	/* Whatever an earlier owner left cached: contexts, PASIDs, IOTLB */
	struct vtd_qi_desc flush[3] = {
		vtd_qi_cc_global(), vtd_qi_pc_global(), vtd_qi_iotlb_global(),
	};
	int rc;

	mutex_init(&unit->lock);
	mutex_init(&unit->fault_lock);
	mutex_init(&unit->qi_lock);
	INIT_LIST_HEAD(&unit->devices);
	ida_init(&unit->dids);
	INIT_DELAYED_WORK(&unit->fault_work, vtd_fault_work);

	unit->reg_size = VTD_REG_MIN_SIZE;
	if (!request_mem_region(unit->phys, unit->reg_size, unit->name)) {
		pr_err("%s: registers at %pa are claimed by another driver\n",
		       unit->name, &unit->phys);
		return -EBUSY;
	}
	unit->regs = ioremap(unit->phys, unit->reg_size);
	if (!unit->regs) {
		rc = -ENOMEM;
		goto err_region;
	}
	rc = vtd_unit_check(unit);
	if (rc)
		goto err_unmap;
	/* On failure it has released everything itself */
	rc = vtd_unit_map_all(unit);
	if (rc)
		return rc;

	rc = -ENOMEM;
	unit->root = vtd_alloc_table(unit);
	if (!unit->root)
		goto err_free;
	rc = vtd_setup_passthrough(unit);
	if (rc)
		goto err_free;
	/* A queue left enabled by an earlier owner must be stopped first */
	if ((vtd_read32(unit, VTD_REG_GSTS) & VTD_GCMD_QIE) &&
	    vtd_gcmd(unit, VTD_GCMD_QIE, false)) {
		rc = -EBUSY;
		goto err_free;
	}
	rc = vtd_qi_enable(unit);
	if (rc)
		goto err_free;
	/* Faults recorded before us are stale */
	vtd_faults_process(unit);
	atomic64_set(&unit->faults, 0);
	memset(unit->last_fault, 0, sizeof(unit->last_fault));

	rc = vtd_set_root(unit);
	if (!rc)
		rc = vtd_qi_submit(unit, flush, ARRAY_SIZE(flush));
	if (!rc)
		rc = vtd_gcmd(unit, VTD_GCMD_TE, true);
	if (rc)
		goto err_qi;
	schedule_delayed_work(&unit->fault_work, HZ / 10);
	pr_info("%s: at %pa, CAP %#llx ECAP %#llx, %u-level second level, %u scope entries: translation on\n",
		unit->name, &unit->phys, unit->cap, unit->ecap,
		unit->agaw + 2, unit->nr_scope);
	return 0;

err_qi:
	vtd_qi_disable(unit);
err_free:
	vtd_unit_free_tables(unit);
err_unmap:
	iounmap(unit->regs);
err_region:
	release_mem_region(unit->phys, unit->reg_size);
	return rc;
}

/* Every managed device was given back: translation off, queue off */
void vtd_unit_destroy(struct vtd_unit *unit)
{
	WARN_ON(!list_empty(&unit->devices));
	cancel_delayed_work_sync(&unit->fault_work);
	vtd_gcmd(unit, VTD_GCMD_TE, false);
	vtd_faults_process(unit);
	vtd_qi_disable(unit);
	vtd_unit_free_tables(unit);
	ida_destroy(&unit->dids);
	iounmap(unit->regs);
	release_mem_region(unit->phys, unit->reg_size);
	pr_info("%s: translation off, unit released\n", unit->name);
}

/* ---- devices we manage ---- */

/* The PASID entry of @pasid, allocating its table when @alloc */
static struct vtd_pasid_entry *vtd_pasid_entry(struct vtd_dev *vdev,
					       u32 pasid, bool alloc)
{
	unsigned int dir_idx = pasid >> VTD_PASID_PDE_SHIFT;
	struct vtd_pasid_entry **tbl;

	if (dir_idx >= ARRAY_SIZE(vdev->pasid_tables))
		return NULL;
	tbl = &vdev->pasid_tables[dir_idx];
	if (!*tbl) {
		if (!alloc)
			return NULL;
		*tbl = vtd_alloc_table(vdev->unit);
		if (!*tbl)
			return NULL;
		WRITE_ONCE(vdev->pasid_dir[dir_idx],
			   vtd_pasid_dir_encode(virt_to_phys(*tbl)));
		vtd_flush_range(vdev->unit, &vdev->pasid_dir[dir_idx],
				sizeof(u64));
	}
	return &(*tbl)[pasid % VTD_PASIDS_PER_TABLE];
}

/*
 * Install @pe (built by the caller; NULL blocks) as @vdev's entry of
 * @pasid (0 = requests without PASID), then invalidate what the unit may
 * have cached under @old_did (0: none) and @new_did.  Only a missing
 * PASID table can fail (-ENOMEM, nothing changed); blocking cannot fail.
 */
int vtd_dev_set_pasid_entry(struct vtd_dev *vdev, u32 pasid,
			    const struct vtd_pasid_entry *pe, u16 new_did,
			    u16 old_did)
{
	struct vtd_unit *unit = vdev->unit;
	struct vtd_pasid_entry *slot;
	struct vtd_qi_desc inv[5];
	unsigned int n = 0, i;

	lockdep_assert_held(&unit->lock);
	slot = vtd_pasid_entry(vdev, pasid, !!pe);
	if (!slot)
		return pe ? -ENOMEM : 0;
	if (pe) {
		/* Quadword 0 (present, table, type) goes last, in one store */
		for (i = 7; i > 0; i--)
			WRITE_ONCE(slot->val[i], pe->val[i]);
		WRITE_ONCE(slot->val[0], pe->val[0]);
		inv[n++] = vtd_qi_pc(new_did, pasid);
	} else {
		WRITE_ONCE(slot->val[0], 0);
		for (i = 1; i < 8; i++)
			WRITE_ONCE(slot->val[i], 0);
	}
	vtd_flush_range(unit, slot, sizeof(*slot));
	if (old_did)
		inv[n++] = vtd_qi_pc(old_did, pasid);
	/* QEMU has no PASID cache: it rereads entries with the context */
	inv[n++] = vtd_qi_cc_device(0, vdev->rid);
	if (old_did)
		inv[n++] = vtd_qi_iotlb_domain(old_did);
	if (pe && new_did != old_did)
		inv[n++] = vtd_qi_iotlb_domain(new_did);
	/*
	 * The entry is written: a queue error (logged) cannot undo that, and
	 * the caller must treat the change as done.
	 */
	vtd_qi_submit(unit, inv, n);
	return 0;
}

/* Invalidate [@start, @start + @len) of domain ID @did; 0 or the error */
int vtd_iotlb_flush_range(struct vtd_unit *unit, u16 did, u64 start,
			  u64 len)
{
	struct vtd_qi_desc desc;
	u64 addr;
	int am = -1;

	/* @len 0 stands for the whole space (it does not fit in a u64) */
	if (len && (unit->cap & VTD_CAP_PSI))
		am = vtd_qi_psi_order(start, start + len - 1,
				      FIELD_GET(VTD_CAP_MAMV, unit->cap),
				      &addr);
	desc = am < 0 ? vtd_qi_iotlb_domain(did) :
			vtd_qi_iotlb_pages(did, addr, am, false);
	return vtd_qi_submit(unit, &desc, 1);
}

/*
 * Free page-table pages the unit may have cached, if the invalidation
 * that should have dropped them (@inv_rc) worked; after a queue error they
 * are leaked on purpose: never walked after being reused.
 */
void vtd_free_after_invalidation(struct list_head *freelist, int inv_rc)
{
	if (inv_rc && !list_empty(freelist)) {
		pr_err("invalidation failed (%d): leaking page-table pages\n",
		       inv_rc);
		INIT_LIST_HEAD(freelist);
		return;
	}
	iofd_pgtable_free_list(freelist);
}

/*
 * Read host RAM at @pa (a page at a time): the reference walker's and the
 * shadow walker's only way into memory; anything but RAM is -EFAULT
 */
/* Domain IDs, counted for debugfs (tests check nothing leaks) */
int vtd_did_alloc(struct vtd_unit *unit)
{
	unsigned int ndoms = 1U << (4 + 2 * FIELD_GET(VTD_CAP_ND, unit->cap));
	int did;

	if (iofd_should_fail())
		return -ENOMEM;
	did = ida_alloc_range(&unit->dids, VTD_PT_DID + 1, ndoms - 1,
			      GFP_KERNEL);
	if (did >= 0)
		atomic_inc(&unit->nr_dids);
	return did;
}

void vtd_did_free(struct vtd_unit *unit, u16 did)
{
	ida_free(&unit->dids, did);
	atomic_dec(&unit->nr_dids);
}

/* @vdev's DMA becomes ours: a PASID directory of its own, all blocked */
int vtd_dev_take(struct vtd_dev *vdev)
{
	struct vtd_unit *unit = vdev->unit;
	/* The pass-through entry the unit may have cached for this RID */
	struct vtd_qi_desc inv[3] = {
		vtd_qi_cc_device(0, vdev->rid),
		vtd_qi_pc_domain(VTD_PT_DID),
		vtd_qi_iotlb_domain(VTD_PT_DID),
	};
	int rc;

	vdev->pasid_dir = vtd_alloc_table(unit);
	if (!vdev->pasid_dir)
		return -ENOMEM;
	mutex_lock(&unit->lock);
	/* PASID 0 (the RID's) always has its table: attaching it cannot fail */
	if (!vtd_pasid_entry(vdev, 0, true)) {
		mutex_unlock(&unit->lock);
		free_page((unsigned long)vdev->pasid_dir);
		vdev->pasid_dir = NULL;
		return -ENOMEM;
	}
	rc = vtd_set_context(unit, vdev->rid, vdev->pasid_dir, true);
	if (!rc)
		rc = vtd_qi_submit(unit, inv, ARRAY_SIZE(inv));
	if (rc) {
		/* Back to pass-through before the directory goes */
		vtd_set_context(unit, vdev->rid, unit->pt_dir, false);
		vtd_qi_submit(unit, inv, 1);
		mutex_unlock(&unit->lock);
		free_page((unsigned long)vdev->pasid_tables[0]);
		vdev->pasid_tables[0] = NULL;
		free_page((unsigned long)vdev->pasid_dir);
		vdev->pasid_dir = NULL;
		return rc;
	}
	list_add_tail(&vdev->node, &unit->devices);
	mutex_unlock(&unit->lock);
	return 0;
}

/* Back to pass-through; everything was detached (blocked) before */
void vtd_dev_give_back(struct vtd_dev *vdev)
{
	struct vtd_unit *unit = vdev->unit;
	struct vtd_qi_desc inv[1] = { vtd_qi_cc_device(0, vdev->rid) };
	unsigned int i;
	int rc;

	mutex_lock(&unit->lock);
	WARN_ON(vdev->rid_domain);
	vtd_set_context(unit, vdev->rid, unit->pt_dir, false);
	list_del_init(&vdev->node);
	rc = vtd_qi_submit(unit, inv, ARRAY_SIZE(inv));
	mutex_unlock(&unit->lock);
	/* The unit may still hold the old context: keep its tables then */
	if (rc) {
		pr_err("%s: %s given back without invalidation: leaking its PASID tables\n",
		       unit->name, vdev->name);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(vdev->pasid_tables); i++)
		free_page((unsigned long)vdev->pasid_tables[i]);
	free_page((unsigned long)vdev->pasid_dir);
}
