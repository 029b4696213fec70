// SPDX-License-Identifier: GPL-2.0
/*
 * Owning one SMMUv3: the takeover sequence, the stream table, the command
 * queue and the event queue.
 *
 * Takeover (the order Linux 6.1 and the specification use): CR0 = 0 and
 * wait for CR0ACK; CR1/CR2; stream table and queue bases; CMDQEN, then
 * CFGI_ALL + TLBI_NSNH_ALL + SYNC; EVTQEN; interrupts; SMMUEN.  Every
 * stream of a PCI device behind the unit gets a bypass STE first, so the
 * guest's other devices keep working.  Unload disables the unit: with
 * SMMUEN 0 the unit does what GBPA says (bypass on QEMU, which does not
 * implement GBPA; the reset value elsewhere), as before we loaded.
 *
 * Tables, queues and descriptors are written in CPU order: the unit is
 * little-endian only here (TTENDIAN checked) and so is the kernel (Kbuild
 * builds the driver for little-endian arm64 only).
 *
 * Commands are polled to completion: a CMD_SYNC with CS = SIG_NONE ends
 * every batch and we wait for CMDQ_CONS to pass it (QEMU 7.2 has no MSI
 * and ignores the CMD_SYNC MSI fields; its wired cmdq-sync interrupt is
 * not needed).  Submission sleeps (mutex): every caller is in process
 * context.
 */
#define pr_fmt(fmt) "iofd_smmuv3: " fmt

#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/of.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include "smmu.h"
#include "smmu_entries.h"

#define SMMU_POLL_US		1
#define SMMU_TIMEOUT_US		1000000
#define SMMU_EVT_POLL_MS	100
static unsigned int evtq_log2 = SMMU_EVTQ_LOG2;
module_param(evtq_log2, uint, 0444);
MODULE_PARM_DESC(evtq_log2,
		 "log2 of the event queue entries (default 11: 2048; at most IDR1.EVTQS; small values test overflow handling)");

/* A linear stream table: at most 2^16 STEs (4M) */
#define SMMU_LINEAR_MAX_BITS	16
/* Two levels: at most 2^17 level-1 descriptors (1M), as Linux */
#define SMMU_L1_MAX_BITS	17

static u32 smmu_read32(struct smmu_unit *unit, unsigned int off)
{
	return readl_relaxed(unit->regs + off);
}

static void smmu_write32(struct smmu_unit *unit, unsigned int off, u32 val)
{
	writel(val, unit->regs + off);
}

static void smmu_write64(struct smmu_unit *unit, unsigned int off, u64 val)
{
	writeq(val, unit->regs + off);
}

/* Write @val to @off and wait until @ack_off reflects it */
static int smmu_write_ack(struct smmu_unit *unit, unsigned int off,
			  unsigned int ack_off, u32 val)
{
	u32 ack;

	smmu_write32(unit, off, val);
	return readl_relaxed_poll_timeout(unit->regs + ack_off, ack, ack == val,
					  SMMU_POLL_US, SMMU_TIMEOUT_US);
}

/* ------------------------------------------------------ command queue -- */

static u32 smmu_q_idx(const struct smmu_queue *q, u32 p)
{
	return p & (BIT(q->log2) - 1);
}

static u32 smmu_q_wrap(const struct smmu_queue *q, u32 p)
{
	return p & BIT(q->log2);
}

static u32 smmu_q_inc(const struct smmu_queue *q, u32 p)
{
	return (p + 1) & (BIT(q->log2 + 1) - 1);
}

static u32 smmu_q_space(const struct smmu_queue *q, u32 cons)
{
	u32 used = smmu_q_wrap(q, q->prod) == smmu_q_wrap(q, cons) ?
		   smmu_q_idx(q, q->prod) - smmu_q_idx(q, cons) :
		   BIT(q->log2) - smmu_q_idx(q, cons) + smmu_q_idx(q, q->prod);

	return BIT(q->log2) - used;
}

/*
 * The unit stopped at a command it refused (CMDQ_CONS.ERR): replace it by
 * a CMD_SYNC, as Linux does, and acknowledge the error so that the queue
 * runs again.  Only our own encoders write commands: this is a driver bug
 * or a unit that lacks a feature, counted and logged.
 */
static void smmu_cmdq_skip_error(struct smmu_unit *unit, u32 cons)
{
	struct smmu_queue *q = &unit->cmdq;
	struct smmu_cmd *slot = q->base + smmu_q_idx(q, cons) * q->ent_size;
	struct smmu_cmd sync = smmu_cmd_sync();
	u32 gerror, gerrorn;

	atomic64_inc(&unit->cmd_errors);
	dev_err_ratelimited(unit->dev, "%s: command %#llx %#llx refused (CMDQ_CONS.ERR %lu)\n",
			    unit->name, slot->dw[0], slot->dw[1],
			    FIELD_GET(SMMU_CMDQ_CONS_ERR, cons));
	*slot = sync;
	gerror = smmu_read32(unit, SMMU_GERROR);
	gerrorn = smmu_read32(unit, SMMU_GERRORN);
	/* Acknowledge CMDQ_ERR only; the event work owns the other bits */
	if ((gerror ^ gerrorn) & SMMU_GERROR_CMDQ)
		smmu_write32(unit, SMMU_GERRORN, gerrorn ^ SMMU_GERROR_CMDQ);
}

/*
 * Issue @cmds (CPU order) followed by one CMD_SYNC and wait until the unit
 * consumed them all.  0; -EIO when the unit refused one (the rest ran);
 * -ETIMEDOUT.
 */
int smmu_cmdq_submit(struct smmu_unit *unit, const struct smmu_cmd *cmds,
		     unsigned int n)
{
	struct smmu_queue *q = &unit->cmdq;
	struct smmu_cmd sync = smmu_cmd_sync();
	unsigned int i = 0;
	bool refused = false;
	u32 cons, target;
	int rc = 0;

	mutex_lock(&unit->cmdq_lock);
	/* Before CMDQEN nothing is cached: CFGI_ALL follows at enable */
	if (!unit->cmdq_on)
		n = 0, i = 1;
	while (i <= n) {
		/* Fill what fits, the SYNC last, then wait for all of it */
		cons = smmu_read32(unit, SMMU_CMDQ_CONS);
		while (i <= n && smmu_q_space(q, cons) > 1) {
			const struct smmu_cmd *c = i < n ? &cmds[i] : &sync;
			struct smmu_cmd *slot = q->base +
				smmu_q_idx(q, q->prod) * q->ent_size;

			/* A full queue: end this batch with a SYNC too */
			if (i < n && smmu_q_space(q, cons) == 2)
				c = &sync;
			else
				i++;
			*slot = *c;
			q->prod = smmu_q_inc(q, q->prod);
		}
		target = q->prod;
		/* writel orders the entries before the PROD update */
		smmu_write32(unit, SMMU_CMDQ_PROD, target);
		for (;;) {
			int ret;

			ret = readl_relaxed_poll_timeout(unit->regs +
				SMMU_CMDQ_CONS, cons,
				(cons & (BIT(q->log2 + 1) - 1)) == target ||
				(cons & SMMU_CMDQ_CONS_ERR),
				SMMU_POLL_US, SMMU_TIMEOUT_US);
			if (ret) {
				dev_err(unit->dev, "%s: command queue stuck (cons %#x prod %#x)\n",
					unit->name, cons, target);
				rc = -ETIMEDOUT;
				goto out;
			}
			if (!(cons & SMMU_CMDQ_CONS_ERR))
				break;
			smmu_cmdq_skip_error(unit, cons);
			refused = true;
			/* The unit re-reads the replaced entry and goes on */
		}
	}
	if (refused)
		rc = -EIO;
out:
	mutex_unlock(&unit->cmdq_lock);
	return rc;
}

/*
 * Invalidate [@iova, @iova + @len) of @asid (len 0: the whole ASID).
 * Up to 16 pages one TLBI_NH_VA each, a whole ASID beyond that.
 */
int smmu_tlbi_range(struct smmu_unit *unit, u16 asid, u64 iova, u64 len)
{
	struct smmu_cmd cmds[16];
	unsigned int n = 0;
	u64 va;

	if (!len || len > ARRAY_SIZE(cmds) * SZ_4K) {
		cmds[0] = smmu_cmd_tlbi_asid(asid);
		return smmu_cmdq_submit(unit, cmds, 1);
	}
	for (va = iova & ~(u64)(SZ_4K - 1); va < iova + len; va += SZ_4K)
		cmds[n++] = smmu_cmd_tlbi_va(asid, va, true);
	return smmu_cmdq_submit(unit, cmds, n);
}

/*
 * Stage 2 of @vmid changed over [@ipa, @ipa + @len) (len 0: all of it):
 * up to 16 pages one TLBI_S2_IPA each, then TLBI_NH_ALL of the VMID for
 * the combined stage-1 entries of nested streams (as upstream does for a
 * nest parent); S12_VMALL beyond that.
 */
int smmu_tlbi_s2_range(struct smmu_unit *unit, u16 vmid, u64 ipa, u64 len)
{
	struct smmu_cmd cmds[17];
	unsigned int n = 0;
	u64 a;

	if (!len || len > 16 * SZ_4K) {
		cmds[0] = smmu_cmd_tlbi_vmid(vmid, true);
		return smmu_cmdq_submit(unit, cmds, 1);
	}
	for (a = ipa & ~(u64)(SZ_4K - 1); a < ipa + len; a += SZ_4K)
		cmds[n++] = smmu_cmd_tlbi_s2_ipa(vmid, a);
	cmds[n++] = smmu_cmd_tlbi_vmid(vmid, false);
	return smmu_cmdq_submit(unit, cmds, n);
}

/* The unit may have cached @sid's context descriptor: drop it */
int smmu_cfgi_cd(struct smmu_unit *unit, u32 sid)
{
	struct smmu_cmd cmd = smmu_cmd_cfgi_cd(sid, 0);

	return smmu_cmdq_submit(unit, &cmd, 1);
}

/* Free table pages once the unit no longer walks them */
void smmu_free_after_invalidation(struct list_head *freelist, int inv_rc)
{
	/*
	 * A failed invalidation leaves the unit's view unknown: leak the
	 * tables rather than hand pages it may still walk to someone else.
	 */
	if (inv_rc) {
		pr_err("invalidation failed (%d): %s table pages leaked\n",
		       inv_rc, list_empty(freelist) ? "no" : "some");
		return;
	}
	iofd_pgtable_free_list(freelist);
}

/* ------------------------------------------------------- stream table -- */

/* @sid's STE, or NULL when its level-2 table does not exist */
struct smmu_ste *smmu_ste_ptr(struct smmu_unit *unit, u32 sid)
{
	u32 l1 = sid >> SMMU_STRTAB_SPLIT_BITS;

	if (unit->linear)
		return sid < BIT(unit->sid_bits) ? &unit->linear_tab[sid] : NULL;
	if (l1 >= unit->nr_l1 || !unit->l2[l1])
		return NULL;
	return &unit->l2[l1][sid & (BIT(SMMU_STRTAB_SPLIT_BITS) - 1)];
}

/*
 * Make sure @sid has an STE: a level-2 table of bypass STEs for its group
 * of 256 StreamIDs.  Under @unit->lock.
 */
int smmu_stream_prepare(struct smmu_unit *unit, u32 sid)
{
	u32 l1 = sid >> SMMU_STRTAB_SPLIT_BITS, i;
	struct smmu_cmd cmd;
	struct smmu_ste *l2;
	size_t size = sizeof(*l2) << SMMU_STRTAB_SPLIT_BITS;

	lockdep_assert_held(&unit->lock);
	/* A linear table has every STE, bypass, from the start */
	if (unit->linear)
		return sid < BIT(unit->sid_bits) ? 0 : -ERANGE;
	if (l1 >= unit->nr_l1)
		return -ERANGE;
	if (unit->l2[l1])
		return 0;
	/* 16K, naturally aligned as L2Ptr requires */
	l2 = iofd_should_fail() ? NULL :
	     (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, get_order(size));
	if (!l2)
		return -ENOMEM;
	for (i = 0; i < BIT(SMMU_STRTAB_SPLIT_BITS); i++)
		smmu_ste_bypass(&l2[i]);
	unit->l2[l1] = l2;
	/* The table is complete before the descriptor that links it */
	dma_wmb();
	WRITE_ONCE(unit->l1[l1], FIELD_PREP(SMMU_L1_SPAN,
					    SMMU_STRTAB_SPLIT_BITS + 1) |
				 (virt_to_phys(l2) & SMMU_L1_L2PTR));
	/* The unit may have cached the old invalid descriptor's result */
	cmd = smmu_cmd_cfgi_ste(sid);
	cmd.dw[1] = 0;	/* not leaf: the level-1 descriptor too */
	smmu_cmdq_submit(unit, &cmd, 1);
	return 0;
}

/*
 * Replace @sid's STE by @ste.  Doublewords 1-7 first, then doubleword 0
 * (V, Config, the CD pointer) in one store, each step made visible with
 * CFGI_STE + SYNC, so the unit never sees a new Config with old fields
 * beyond what Linux 6.1 also allows.  Under @unit->lock; the STE exists.
 */
void smmu_write_ste(struct smmu_unit *unit, u32 sid,
		    const struct smmu_ste *ste)
{
	struct smmu_ste *cur = smmu_ste_ptr(unit, sid);
	struct smmu_cmd cmd = smmu_cmd_cfgi_ste(sid);
	bool upper_changed = false;
	unsigned int i;

	lockdep_assert_held(&unit->lock);
	if (WARN_ON(!cur))
		return;
	for (i = 1; i < ARRAY_SIZE(ste->dw); i++) {
		if (cur->dw[i] != ste->dw[i])
			upper_changed = true;
		WRITE_ONCE(cur->dw[i], ste->dw[i]);
	}
	if (upper_changed)
		smmu_cmdq_submit(unit, &cmd, 1);
	WRITE_ONCE(cur->dw[0], ste->dw[0]);
	smmu_cmdq_submit(unit, &cmd, 1);
}

/* -------------------------------------------------------------- events -- */

static const char *smmu_event_name(unsigned int id)
{
	switch (id) {
	case 0x01: return "F_UUT";
	case 0x02: return "C_BAD_STREAMID";
	case 0x03: return "F_STE_FETCH";
	case 0x04: return "C_BAD_STE";
	case 0x05: return "F_BAD_ATS_TREQ";
	case 0x06: return "F_STREAM_DISABLED";
	case 0x07: return "F_TRANSL_FORBIDDEN";
	case 0x08: return "C_BAD_SUBSTREAMID";
	case 0x09: return "F_CD_FETCH";
	case 0x0a: return "C_BAD_CD";
	case 0x0b: return "F_WALK_EABT";
	case 0x10: return "F_TRANSLATION";
	case 0x11: return "F_ADDR_SIZE";
	case 0x12: return "F_ACCESS";
	case 0x13: return "F_PERMISSION";
	case 0x20: return "F_TLB_CONFLICT";
	case 0x21: return "F_CFG_CONFLICT";
	case 0x24: return "E_PAGE_REQUEST";
	default: return "unknown";
	}
}

static void smmu_gerror_process(struct smmu_unit *unit)
{
	u32 gerror = smmu_read32(unit, SMMU_GERROR);
	u32 gerrorn = smmu_read32(unit, SMMU_GERRORN);
	/* CMDQ_ERR belongs to the submitter (smmu_cmdq_skip_error) */
	u32 active = (gerror ^ gerrorn) & ~SMMU_GERROR_CMDQ;

	if (!active)
		return;
	atomic64_inc(&unit->gerrors);
	if (active & SMMU_GERROR_EVTQ_ABT)
		atomic64_inc(&unit->evt_lost);
	dev_warn_ratelimited(unit->dev, "%s: global error %#x%s\n", unit->name,
			     active, active & SMMU_GERROR_EVTQ_ABT ?
			     " (event queue full: events lost)" : "");
	smmu_write32(unit, SMMU_GERRORN, gerrorn ^ active);
}

/*
 * Read every event record the unit wrote (at most one queue's worth per
 * call: bounded work under a flood), count them, log them rate-limited.
 */
void smmu_events_process(struct smmu_unit *unit)
{
	struct smmu_queue *q = &unit->evtq;
	unsigned int budget = BIT(q->log2);
	u32 prod;

	mutex_lock(&unit->evt_lock);
	smmu_gerror_process(unit);
	prod = smmu_read32(unit, SMMU_EVTQ_PROD) & (BIT(q->log2 + 1) - 1);
	/* Our CONS is q->prod (see struct smmu_queue) */
	while (q->prod != prod && budget--) {
		const struct smmu_evt *e = q->base +
			smmu_q_idx(q, q->prod) * q->ent_size;
		struct smmu_evt evt;
		unsigned int i;

		dma_rmb();	/* PROD read before the record */
		for (i = 0; i < ARRAY_SIZE(evt.dw); i++)
			evt.dw[i] = READ_ONCE(e->dw[i]);
		unit->last_event = evt;
		atomic64_inc(&unit->events);
		dev_info_ratelimited(unit->dev, "%s: event %s (%#llx) sid %#llx %s iova %#llx\n",
				     unit->name,
				     smmu_event_name(FIELD_GET(SMMU_EVT0_ID,
							       evt.dw[0])),
				     FIELD_GET(SMMU_EVT0_ID, evt.dw[0]),
				     FIELD_GET(SMMU_EVT0_SID, evt.dw[0]),
				     evt.dw[1] & SMMU_EVT1_RNW ? "read" :
								 "write",
				     evt.dw[2]);
		q->prod = smmu_q_inc(q, q->prod);
	}
	smmu_write32(unit, SMMU_EVTQ_CONS, q->prod);
	mutex_unlock(&unit->evt_lock);
}

static void smmu_evt_work(struct work_struct *work)
{
	struct smmu_unit *unit = container_of(to_delayed_work(work),
					      struct smmu_unit, evt_work);

	smmu_events_process(unit);
	if (unit->poll)
		schedule_delayed_work(&unit->evt_work,
				      msecs_to_jiffies(SMMU_EVT_POLL_MS));
}

/* Wired eventq / gerror interrupts only kick the work */
static irqreturn_t smmu_irq(int irq, void *data)
{
	struct smmu_unit *unit = data;

	mod_delayed_work(system_wq, &unit->evt_work, 0);
	return IRQ_HANDLED;
}

static int smmu_request_irqs(struct smmu_unit *unit)
{
	struct platform_device *pdev = to_platform_device(unit->dev);
	static const char *const names[] = { "eventq", "gerror", "combined" };
	unsigned int i, got = 0;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		int irq = platform_get_irq_byname_optional(pdev, names[i]);

		if (irq <= 0)
			continue;
		if (devm_request_irq(unit->dev, irq, smmu_irq, 0,
				     "iofd_smmuv3", unit))
			continue;
		got++;
	}
	return got;
}

/* ------------------------------------------------------------ takeover -- */

static int smmu_queue_alloc(struct smmu_queue *q, unsigned int log2,
			    unsigned int ent_size)
{
	q->log2 = log2;
	q->ent_size = ent_size;
	q->prod = 0;
	q->base = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
					   get_order(ent_size << log2));
	return q->base ? 0 : -ENOMEM;
}

static void smmu_queue_free(struct smmu_queue *q)
{
	if (q->base)
		free_pages((unsigned long)q->base,
			   get_order(q->ent_size << q->log2));
	q->base = NULL;
}

static void smmu_unit_free_tables(struct smmu_unit *unit)
{
	unsigned int i;

	for (i = 0; unit->l2 && i < unit->nr_l1; i++)
		if (unit->l2[i])
			free_pages((unsigned long)unit->l2[i],
				   get_order(sizeof(struct smmu_ste) <<
					     SMMU_STRTAB_SPLIT_BITS));
	kvfree(unit->l2);
	unit->l2 = NULL;
	if (unit->linear_tab)
		free_pages((unsigned long)unit->linear_tab,
			   get_order(sizeof(struct smmu_ste) << unit->sid_bits));
	unit->linear_tab = NULL;
	if (unit->l1)
		free_pages((unsigned long)unit->l1,
			   get_order(unit->nr_l1 * sizeof(u64)));
	unit->l1 = NULL;
	smmu_queue_free(&unit->cmdq);
	smmu_queue_free(&unit->evtq);
}

/* STRTAB_BASE's address: the linear table or the level-1 table */
phys_addr_t smmu_strtab_base(struct smmu_unit *unit)
{
	return virt_to_phys(unit->linear ? (void *)unit->linear_tab :
					   (void *)unit->l1);
}

/* What we need from the unit; -ENODEV with the reason otherwise */
static int smmu_unit_check(struct smmu_unit *unit)
{
	u32 idr0 = unit->idr[0], idr1 = unit->idr[1], idr5 = unit->idr[5];
	static const unsigned int oas_bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	const char *why = NULL;

	if (!(idr0 & SMMU_IDR0_S1P))
		why = "no stage 1";
	else if (!(FIELD_GET(SMMU_IDR0_TTF, idr0) & 2))
		why = "no AArch64 tables";
	else if (FIELD_GET(SMMU_IDR0_TTENDIAN, idr0) == 3)
		why = "big-endian only";
	else if (!(idr0 & SMMU_IDR0_COHACC))
		why = "not coherent (COHACC 0: tables would need cache maintenance)";
	else if (!(idr5 & SMMU_IDR5_GRAN4K))
		why = "no 4K granule";
	else if (idr1 & (SMMU_IDR1_QUEUES_PRESET | SMMU_IDR1_TABLES_PRESET))
		why = "preset tables or queues";
	else if (FIELD_GET(SMMU_IDR1_CMDQS, idr1) < SMMU_CMDQ_LOG2)
		why = "command queue too small";
	else if (FIELD_GET(SMMU_IDR5_OAS, idr5) >= ARRAY_SIZE(oas_bits))
		why = "unknown output size";
	if (why) {
		dev_err(unit->dev, "%s: not supported: %s\n", unit->name, why);
		return -ENODEV;
	}
	unit->ips = FIELD_GET(SMMU_IDR5_OAS, idr5);
	unit->oas = oas_bits[unit->ips];
	unit->asid_bits = idr0 & SMMU_IDR0_ASID16 ? 16 : 8;
	unit->vmid_bits = idr0 & SMMU_IDR0_VMID16 ? 16 : 8;
	unit->s2_ias = min(unit->oas, 48U);
	unit->sid_bits = FIELD_GET(SMMU_IDR1_SIDSIZE, idr1);
	/*
	 * Linear only where the unit has no 2-level tables.  Not reachable
	 * on QEMU 7.2, which has them and then ignores STRTAB_BASE_CFG.FMT
	 * (a linear table is walked as a level-1 table: C_BAD_STE, measured).
	 */
	unit->linear = FIELD_GET(SMMU_IDR0_ST_LEVEL, idr0) != 1;
	if (unit->linear && unit->sid_bits > SMMU_LINEAR_MAX_BITS) {
		dev_err(unit->dev, "%s: not supported: %u StreamID bits in a linear stream table\n",
			unit->name, unit->sid_bits);
		return -ENODEV;
	}
	if (!unit->linear)
		unit->sid_bits = clamp_t(unsigned int, unit->sid_bits,
					 SMMU_STRTAB_SPLIT_BITS,
					 SMMU_L1_MAX_BITS +
					 SMMU_STRTAB_SPLIT_BITS);
	return 0;
}

/* Give every PCI device behind this unit a bypass STE before enabling */
static int smmu_prepare_pci_streams(struct smmu_unit *unit)
{
	struct pci_dev *pdev = NULL;
	int rc = 0;

	mutex_lock(&unit->lock);
	for_each_pci_dev(pdev) {
		u32 sid;

		if (smmu_pci_sid(unit, pdev, &sid))
			continue;
		rc = smmu_stream_prepare(unit, sid);
		if (rc) {
			pci_dev_put(pdev);
			break;
		}
	}
	mutex_unlock(&unit->lock);
	return rc;
}

int smmu_unit_init(struct smmu_unit *unit)
{
	unsigned int i, l1_log2, evtq_bits;

	BUILD_BUG_ON(SMMU_L1_MAX_BITS + SMMU_STRTAB_SPLIT_BITS > 32);
	struct smmu_cmd cmds[2];
	int rc;

	for (i = 0; i < ARRAY_SIZE(unit->idr); i++)
		unit->idr[i] = smmu_read32(unit, SMMU_IDR0 + 4 * i);
	unit->iidr = smmu_read32(unit, SMMU_IIDR);
	unit->aidr = smmu_read32(unit, SMMU_AIDR);
	unit->cr0_found = smmu_read32(unit, SMMU_CR0);
	rc = smmu_unit_check(unit);
	if (rc)
		return rc;
	mutex_init(&unit->lock);
	mutex_init(&unit->cmdq_lock);
	mutex_init(&unit->evt_lock);
	INIT_LIST_HEAD(&unit->devices);
	ida_init(&unit->asids);
	ida_init(&unit->vmids);
	INIT_DELAYED_WORK(&unit->evt_work, smmu_evt_work);

	if (unit->linear) {
		unit->linear_tab = (void *)__get_free_pages(GFP_KERNEL,
			get_order(sizeof(struct smmu_ste) << unit->sid_bits));
		for (i = 0; unit->linear_tab && i < BIT(unit->sid_bits); i++)
			smmu_ste_bypass(&unit->linear_tab[i]);
	} else {
		/* Level 1 covers SIDSIZE bits (clamped in smmu_unit_check()) */
		l1_log2 = unit->sid_bits - SMMU_STRTAB_SPLIT_BITS;
		unit->nr_l1 = BIT(l1_log2);
		unit->l1 = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
				get_order(unit->nr_l1 * sizeof(u64)));
		unit->l2 = kvcalloc(unit->nr_l1, sizeof(*unit->l2), GFP_KERNEL);
	}
	evtq_bits = clamp_t(unsigned int, evtq_log2, 1,
			    FIELD_GET(SMMU_IDR1_EVTQS, unit->idr[1]));
	rc = -ENOMEM;
	if ((unit->linear ? !unit->linear_tab : !unit->l1 || !unit->l2) ||
	    smmu_queue_alloc(&unit->cmdq, SMMU_CMDQ_LOG2,
			     sizeof(struct smmu_cmd)) ||
	    smmu_queue_alloc(&unit->evtq, evtq_bits, sizeof(struct smmu_evt)))
		goto err_free;
	rc = smmu_prepare_pci_streams(unit);
	if (rc)
		goto err_free;

	/* Off: from now on the unit reads nothing of the old tables */
	if (unit->cr0_found & SMMU_CR0_SMMUEN)
		dev_warn(unit->dev, "%s: was enabled (CR0 %#x): taking it over\n",
			 unit->name, unit->cr0_found);
	rc = smmu_write_ack(unit, SMMU_CR0, SMMU_CR0ACK, 0);
	if (rc)
		goto err_timeout;
	smmu_write32(unit, SMMU_CR1, SMMU_CR1_ALL_WB_ISH);
	smmu_write32(unit, SMMU_CR2, SMMU_CR2_PTM | SMMU_CR2_RECINVSID);
	smmu_write64(unit, SMMU_STRTAB_BASE, SMMU_STRTAB_BASE_RA |
		     (smmu_strtab_base(unit) & SMMU_STRTAB_BASE_ADDR));
	smmu_write32(unit, SMMU_STRTAB_BASE_CFG,
		     FIELD_PREP(SMMU_STRTAB_LOG2SIZE, unit->sid_bits) |
		     (unit->linear ? 0 :
		      FIELD_PREP(SMMU_STRTAB_FMT, SMMU_STRTAB_FMT_2LVL) |
		      FIELD_PREP(SMMU_STRTAB_SPLIT, SMMU_STRTAB_SPLIT_BITS)));
	smmu_write64(unit, SMMU_CMDQ_BASE, SMMU_Q_BASE_RWA |
		     (virt_to_phys(unit->cmdq.base) & SMMU_Q_BASE_ADDR) |
		     FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, unit->cmdq.log2));
	smmu_write32(unit, SMMU_CMDQ_PROD, 0);
	smmu_write32(unit, SMMU_CMDQ_CONS, 0);
	rc = smmu_write_ack(unit, SMMU_CR0, SMMU_CR0ACK, SMMU_CR0_CMDQEN);
	if (rc)
		goto err_timeout;
	unit->cmdq_on = true;
	cmds[0] = smmu_cmd_cfgi_all();
	cmds[1] = smmu_cmd_tlbi_nsnh_all();
	rc = smmu_cmdq_submit(unit, cmds, 2);
	if (rc)
		goto err_disable;

	smmu_write64(unit, SMMU_EVTQ_BASE, SMMU_Q_BASE_RWA |
		     (virt_to_phys(unit->evtq.base) & SMMU_Q_BASE_ADDR) |
		     FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, unit->evtq.log2));
	smmu_write32(unit, SMMU_EVTQ_PROD, 0);
	smmu_write32(unit, SMMU_EVTQ_CONS, 0);
	rc = smmu_write_ack(unit, SMMU_CR0, SMMU_CR0ACK,
			    SMMU_CR0_CMDQEN | SMMU_CR0_EVTQEN);
	if (rc)
		goto err_timeout;

	/* Errors that happened before are not ours: acknowledge them */
	smmu_write32(unit, SMMU_GERRORN, smmu_read32(unit, SMMU_GERROR));
	rc = smmu_write_ack(unit, SMMU_IRQ_CTRL, SMMU_IRQ_CTRLACK, 0);
	if (rc)
		goto err_timeout;
	unit->poll = !smmu_request_irqs(unit);
	if (!unit->poll) {
		rc = smmu_write_ack(unit, SMMU_IRQ_CTRL, SMMU_IRQ_CTRLACK,
				    SMMU_IRQ_CTRL_EVTQ | SMMU_IRQ_CTRL_GERROR);
		if (rc)
			goto err_timeout;
	} else {
		schedule_delayed_work(&unit->evt_work,
				      msecs_to_jiffies(SMMU_EVT_POLL_MS));
	}

	rc = smmu_write_ack(unit, SMMU_CR0, SMMU_CR0ACK, SMMU_CR0_CMDQEN |
			    SMMU_CR0_EVTQEN | SMMU_CR0_SMMUEN);
	if (rc)
		goto err_timeout;
	dev_info(unit->dev, "%s: translating (%s stream table, StreamID bits %u, %s events, OAS %u, IDR0 %#x)\n",
		 unit->name, unit->linear ? "linear" : "2-level",
		 unit->sid_bits,
		 unit->poll ? "polled" : "interrupt-driven", unit->oas,
		 unit->idr[0]);
	return 0;

err_timeout:
	dev_err(unit->dev, "%s: no acknowledgement from the unit\n",
		unit->name);
	rc = -ETIMEDOUT;
err_disable:
	smmu_write32(unit, SMMU_IRQ_CTRL, 0);
	smmu_write_ack(unit, SMMU_CR0, SMMU_CR0ACK, 0);
	unit->cmdq_on = false;
	unit->poll = false;
	cancel_delayed_work_sync(&unit->evt_work);
err_free:
	smmu_unit_free_tables(unit);
	ida_destroy(&unit->asids);
	ida_destroy(&unit->vmids);
	return rc;
}

/* Translation off (GBPA decides again), then the tables go */
void smmu_unit_destroy(struct smmu_unit *unit)
{
	WARN_ON(!list_empty(&unit->devices));
	smmu_write32(unit, SMMU_IRQ_CTRL, 0);
	smmu_write_ack(unit, SMMU_IRQ_CTRL, SMMU_IRQ_CTRLACK, 0);
	if (smmu_write_ack(unit, SMMU_CR0, SMMU_CR0ACK, 0))
		dev_err(unit->dev, "%s: did not acknowledge disable\n",
			unit->name);
	unit->poll = false;
	cancel_delayed_work_sync(&unit->evt_work);
	smmu_events_process(unit);
	unit->cmdq_on = false;
	smmu_unit_free_tables(unit);
	ida_destroy(&unit->asids);
	ida_destroy(&unit->vmids);
	dev_info(unit->dev, "%s: disabled (was CR0 %#x at load)\n", unit->name,
		 unit->cr0_found);
}

/* ---------------------------------------------------------------- misc -- */

/* ASIDs and VMIDs, counted for debugfs (tests check nothing leaks) */
int smmu_asid_alloc(struct smmu_unit *unit)
{
	int id;

	if (iofd_should_fail())
		return -ENOMEM;
	/* ASID 0 stays unused: a CD with ASID 0 is easy to spot in dumps */
	id = ida_alloc_range(&unit->asids, 1, BIT(unit->asid_bits) - 1,
			     GFP_KERNEL);
	if (id >= 0)
		atomic_inc(&unit->nr_asids);
	return id;
}

void smmu_asid_free(struct smmu_unit *unit, u16 asid)
{
	ida_free(&unit->asids, asid);
	atomic_dec(&unit->nr_asids);
}

int smmu_vmid_alloc(struct smmu_unit *unit)
{
	int id;

	if (iofd_should_fail())
		return -ENOMEM;
	/* VMID 0 is the unit's default for stage-1-only streams */
	id = ida_alloc_range(&unit->vmids, 1, BIT(unit->vmid_bits) - 1,
			     GFP_KERNEL);
	if (id >= 0)
		atomic_inc(&unit->nr_vmids);
	return id;
}

void smmu_vmid_free(struct smmu_unit *unit, u16 vmid)
{
	ida_free(&unit->vmids, vmid);
	atomic_dec(&unit->nr_vmids);
}
