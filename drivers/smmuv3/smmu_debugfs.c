// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs of iofd_smmuv3: /sys/kernel/debug/iofd_smmuv3/<unit>/
 *   events      event records read since load (reading processes the queue)
 *   last_event  the last record, decoded
 *   counters    events, lost (queue full), global errors, refused commands,
 *		 ASIDs and VMIDs in use
 *   tables      the STEs of bound devices, the CDs they use and the first
 *		 leaves of their tables, decoded
 *   translate   write "SID IOVA r|w" (hex), read the reference walker's
 *		 translation of the live tables (smmu_walk.c)
 * Tests and `make demo` read them; they are not an ABI.
 */
#include <linux/debugfs.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "smmu.h"
#include "smmu_walk.h"

static struct dentry *smmu_debugfs_root;

static int smmu_events_show(struct seq_file *s, void *unused)
{
	struct smmu_unit *unit = s->private;

	smmu_events_process(unit);
	seq_printf(s, "%lld\n", (long long)atomic64_read(&unit->events));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smmu_events);

static int smmu_last_event_show(struct seq_file *s, void *unused)
{
	struct smmu_unit *unit = s->private;
	struct smmu_evt e;

	smmu_events_process(unit);
	mutex_lock(&unit->evt_lock);
	e = unit->last_event;
	mutex_unlock(&unit->evt_lock);
	if (!e.dw[0]) {
		seq_puts(s, "none\n");
		return 0;
	}
	seq_printf(s, "id=0x%02llx sid=0x%llx iova=0x%llx type=%s raw=%016llx:%016llx:%016llx:%016llx\n",
		   FIELD_GET(SMMU_EVT0_ID, e.dw[0]),
		   FIELD_GET(SMMU_EVT0_SID, e.dw[0]), e.dw[2],
		   e.dw[1] & SMMU_EVT1_RNW ? "read" : "write",
		   e.dw[0], e.dw[1], e.dw[2], e.dw[3]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smmu_last_event);

static int smmu_counters_show(struct seq_file *s, void *unused)
{
	struct smmu_unit *unit = s->private;

	smmu_events_process(unit);
	seq_printf(s, "events %lld\nevents_lost %lld\ngerrors %lld\ncmd_errors %lld\nasids %d\nvmids %d\n",
		   (long long)atomic64_read(&unit->events),
		   (long long)atomic64_read(&unit->evt_lost),
		   (long long)atomic64_read(&unit->gerrors),
		   (long long)atomic64_read(&unit->cmd_errors),
		   atomic_read(&unit->nr_asids), atomic_read(&unit->nr_vmids));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smmu_counters);

static void smmu_show_cd(struct seq_file *s, const char *what,
			 const struct smmu_cd *cd)
{
	seq_printf(s, "  %s cd v=%llu asid=%llu t0sz=%llu ttb0=%#llx r=%llu a=%llu\n",
		   what, FIELD_GET(SMMU_CD0_V, cd->dw[0]),
		   FIELD_GET(SMMU_CD0_ASID, cd->dw[0]),
		   FIELD_GET(SMMU_CD0_T0SZ, cd->dw[0]),
		   cd->dw[1] & SMMU_CD1_TTB0,
		   FIELD_GET(SMMU_CD0_R, cd->dw[0]),
		   FIELD_GET(SMMU_CD0_A, cd->dw[0]));
}

#define SMMU_DUMP_LEAVES	32

/*
 * The first leaves of the live table at @table_pa (@levels levels, format
 * @fmt), decoded.  Entries are read with iofd_read_ram(): a table page a
 * concurrent unmap just freed reads as stale RAM, never as a bad pointer.
 */
static void smmu_show_leaves(struct seq_file *s, const struct iofd_pt_fmt *fmt,
			     phys_addr_t table_pa, unsigned int level,
			     u64 base, unsigned int *n)
{
	unsigned int i, shift = 12 + 9 * (level - 1);

	for (i = 0; i < 512 && *n <= SMMU_DUMP_LEAVES; i++) {
		u64 pte, iova = base + ((u64)i << shift);

		if (iofd_read_ram(NULL, table_pa + 8 * i, &pte, sizeof(pte)) ||
		    !fmt->present(pte))
			continue;
		if (level > 1 && !fmt->is_leaf(pte, level)) {
			smmu_show_leaves(s, fmt, fmt->addr(pte), level - 1,
					 iova, n);
			continue;
		}
		if ((*n)++ == SMMU_DUMP_LEAVES) {
			seq_puts(s, "    ...\n");
			return;
		}
		seq_printf(s, "    pte iova %#llx size %#llx -> pa %#llx %s\n",
			   iova, 1ULL << shift,
			   (u64)fmt->addr(pte) & ~((1ULL << shift) - 1),
			   fmt->perm(pte) & IOFD_PT_W ? "rw" : "r");
	}
}

static void smmu_show_table(struct seq_file *s, const struct iofd_pgtable *pt)
{
	unsigned int n = 0;

	smmu_show_leaves(s, pt->fmt, virt_to_phys(pt->top), pt->levels, 0, &n);
}

static int smmu_tables_show(struct seq_file *s, void *unused)
{
	struct smmu_unit *unit = s->private;
	struct smmu_dev *sdev;

	mutex_lock(&unit->lock);
	if (unit->linear)
		seq_printf(s, "unit %s sid_bits %u linear stream table %#llx\n",
			   unit->name, unit->sid_bits,
			   (u64)smmu_strtab_base(unit));
	else
		seq_printf(s, "unit %s sid_bits %u l1 %#llx (%u entries, split %u)\n",
			   unit->name, unit->sid_bits,
			   (u64)smmu_strtab_base(unit), unit->nr_l1,
			   SMMU_STRTAB_SPLIT_BITS);
	list_for_each_entry(sdev, &unit->devices, node) {
		const struct smmu_ste *ste = smmu_ste_ptr(unit, sdev->sid);
		struct iofd_domain *d = sdev->domain;

		seq_printf(s, "%s sid %#x ste v=%llu cfg=%llu s1ctxptr=%#llx dw1=%#llx",
			   sdev->name, sdev->sid,
			   FIELD_GET(SMMU_STE0_V, ste->dw[0]),
			   FIELD_GET(SMMU_STE0_CFG, ste->dw[0]),
			   ste->dw[0] & SMMU_STE0_S1CTXPTR, ste->dw[1]);
		if (READ_ONCE(sdev->vsmmu))
			seq_printf(s, " vsid %#llx", sdev->vsid);
		seq_putc(s, '\n');
		if (d && d->ops == &smmu_domain_ops && to_smmu_domain(d)->s2) {
			seq_printf(s, "  stage-2 vmid=%u ttb=%#llx\n",
				   to_smmu_domain(d)->vmid,
				   (u64)virt_to_phys(to_smmu_domain(d)->pt.top));
		} else if (d && d->ops == &smmu_domain_ops) {
			smmu_show_cd(s, "paging", to_smmu_domain(d)->cd);
			smmu_show_table(s, &to_smmu_domain(d)->pt);
		} else if (d && d->ops == &smmu_nested_ops) {
			struct smmu_nested *n = to_smmu_nested(d);

			seq_printf(s, "  nested %s vmid %u vste %#llx %#llx cfg %u guest_cd %s asid %u ias %u ttb0 %#llx\n",
				   n->hw ? "hardware" : "shadow", n->viommu->vmid,
				   n->vste[0], n->vste[1], n->cfg,
				   n->guest.valid ? "valid" : "none",
				   n->guest.asid, n->guest.ias, n->guest.ttb0);
			mutex_lock(&n->parent->nest_lock);
			seq_printf(s, "  shadow syncs %llu mapped %llu tables %llu unreachable %llu bad %llu%s\n",
				   n->syncs, n->stats.mapped, n->stats.tables,
				   n->stats.unreachable, n->stats.bad,
				   n->stats.truncated ? " truncated" : "");
			mutex_unlock(&n->parent->nest_lock);
			if (n->cd) {
				smmu_show_cd(s, "shadow", n->cd);
				smmu_show_table(s, &n->shadow);
			}
		}
	}
	mutex_unlock(&unit->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smmu_tables);

/*
 * translate: the query is kept per open file; the walk runs at read time
 * over the live tables, through the independent reference walker.
 */
struct smmu_translate_query {
	struct smmu_unit *unit;
	u32 sid;
	u64 iova;
	bool write;
	bool set;
};

static int smmu_translate_open(struct inode *inode, struct file *file)
{
	struct smmu_translate_query *q = kzalloc(sizeof(*q), GFP_KERNEL);

	if (!q)
		return -ENOMEM;
	q->unit = inode->i_private;
	file->private_data = q;
	return 0;
}

static int smmu_translate_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t smmu_translate_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct smmu_translate_query *q = file->private_data;
	char buf[64], rw;
	u32 sid;
	u64 iova;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%x %llx %c", &sid, &iova, &rw) != 3 ||
	    (rw != 'r' && rw != 'w'))
		return -EINVAL;
	q->sid = sid;
	q->iova = iova;
	q->write = rw == 'w';
	q->set = true;
	return len;
}

static ssize_t smmu_translate_read(struct file *file, char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct smmu_translate_query *q = file->private_data;
	struct smmu_unit *unit = q->unit;
	struct smmu_walk_cfg cfg = {
		.read = iofd_read_ram,
		.strtab = smmu_strtab_base(unit),
		.two_level = !unit->linear,
		.log2size = unit->sid_bits,
		.split = SMMU_STRTAB_SPLIT_BITS,
		.s2p = unit->idr[0] & SMMU_IDR0_S2P,
	};
	struct smmu_walk_result res;
	char out[128];
	int n;

	if (!q->set)
		return -EINVAL;
	mutex_lock(&unit->lock);
	smmu_walk(&cfg, q->sid, q->iova, q->write, &res);
	mutex_unlock(&unit->lock);
	n = scnprintf(out, sizeof(out), "event=0x%x pa=0x%llx size=0x%llx w=%d bypass=%d asid=%u\n",
		      res.event, res.pa, res.size, res.write, res.bypass,
		      res.asid);
	return simple_read_from_buffer(ubuf, len, ppos, out, n);
}

static const struct file_operations smmu_translate_fops = {
	.owner = THIS_MODULE,
	.open = smmu_translate_open,
	.release = smmu_translate_release,
	.read = smmu_translate_read,
	.write = smmu_translate_write,
	.llseek = default_llseek,
};

void smmu_debugfs_unit_init(struct smmu_unit *unit)
{
	struct dentry *d;

	if (IS_ERR_OR_NULL(smmu_debugfs_root))
		return;
	d = debugfs_create_dir(unit->name, smmu_debugfs_root);
	unit->debugfs = d;
	debugfs_create_file("events", 0400, d, unit, &smmu_events_fops);
	debugfs_create_file("last_event", 0400, d, unit, &smmu_last_event_fops);
	debugfs_create_file("counters", 0400, d, unit, &smmu_counters_fops);
	debugfs_create_file("tables", 0400, d, unit, &smmu_tables_fops);
	debugfs_create_file("translate", 0600, d, unit, &smmu_translate_fops);
}

void smmu_debugfs_init(void)
{
	smmu_debugfs_root = debugfs_create_dir("iofd_smmuv3", NULL);
}

void smmu_debugfs_exit(void)
{
	debugfs_remove_recursive(smmu_debugfs_root);
	smmu_debugfs_root = NULL;
}
