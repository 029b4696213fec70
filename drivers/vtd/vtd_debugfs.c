// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs of iofd_vtd: /sys/kernel/debug/iofd_vtd/<unit>/
 *   faults      fault records seen since load (reading processes them)
 *   dids        domain IDs in use (besides the pass-through one)
 *   fault_overflows  times faults were dropped, every record in use
 *   last_fault  the last record, decoded
 *   tables      the live root/context/PASID entries, decoded
 *   translate   write "RID IOVA [PASID|-] [r|w]" (hex), read the reference
 *		 walker's translation of the live tables (vtd_walk.c)
 * Tests and `make demo` read them; they are not an ABI.
 */
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "vtd.h"
#include "vtd_walk.h"

static struct dentry *vtd_debugfs_root;

static int vtd_faults_show(struct seq_file *s, void *unused)
{
	struct vtd_unit *unit = s->private;

	vtd_faults_process(unit);
	seq_printf(s, "%lld\n", (long long)atomic64_read(&unit->faults));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtd_faults);

static int vtd_dids_show(struct seq_file *s, void *unused)
{
	struct vtd_unit *unit = s->private;

	seq_printf(s, "%d\n", atomic_read(&unit->nr_dids));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtd_dids);

static int vtd_fault_overflows_show(struct seq_file *s, void *unused)
{
	struct vtd_unit *unit = s->private;

	vtd_faults_process(unit);
	seq_printf(s, "%lld\n",
		   (long long)atomic64_read(&unit->fault_overflows));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtd_fault_overflows);

static int vtd_last_fault_show(struct seq_file *s, void *unused)
{
	struct vtd_unit *unit = s->private;
	u64 lo, hi;

	vtd_faults_process(unit);
	mutex_lock(&unit->fault_lock);
	lo = unit->last_fault[0];
	hi = unit->last_fault[1];
	mutex_unlock(&unit->fault_lock);
	if (!hi) {
		seq_puts(s, "none\n");
		return 0;
	}
	seq_printf(s, "sid=0x%04llx pasid=0x%llx addr=0x%llx reason=0x%llx type=%s\n",
		   FIELD_GET(VTD_FRCD_HI_SID, hi),
		   hi & VTD_FRCD_HI_PP ? FIELD_GET(VTD_FRCD_HI_PV, hi) : 0ULL,
		   lo & VTD_FRCD_LO_FI, FIELD_GET(VTD_FRCD_HI_FR, hi),
		   hi & VTD_FRCD_HI_T ? "read" : "write");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtd_last_fault);

static int vtd_tables_show(struct seq_file *s, void *unused)
{
	struct vtd_unit *unit = s->private;
	struct vtd_dev *vdev;
	unsigned int i, j;

	mutex_lock(&unit->lock);
	seq_printf(s, "unit %s agaw %u levels %u pgsizes %#lx\n", unit->name,
		   unit->agaw, unit->agaw + 2, unit->sl_pgsizes);
	for (i = 0; i < ARRAY_SIZE(unit->ctx_tables); i++) {
		struct vtd_context_entry *t = unit->ctx_tables[i];

		for (j = 0; t && j < 128; j++) {
			if (!(t[j].val[0] & VTD_CTX0_P))
				continue;
			seq_printf(s, "context %02x:%02x.%u dir %#llx pdts %llu paside %u rid_pasid %llu%s\n",
				   i / 2, PCI_SLOT((i & 1) * 128 + j),
				   PCI_FUNC((i & 1) * 128 + j),
				   t[j].val[0] & VTD_CTX0_PASIDDIRPTR,
				   FIELD_GET(VTD_CTX0_PDTS, t[j].val[0]),
				   !!(t[j].val[0] & VTD_CTX0_PASIDE),
				   FIELD_GET(VTD_CTX1_RID_PASID, t[j].val[1]),
				   (t[j].val[0] & VTD_CTX0_PASIDDIRPTR) ==
				   virt_to_phys(unit->pt_dir) ?
				   " (pass-through)" : "");
		}
	}
	list_for_each_entry(vdev, &unit->devices, node) {
		for (i = 0; i < ARRAY_SIZE(vdev->pasid_tables); i++) {
			struct vtd_pasid_entry *t = vdev->pasid_tables[i];

			for (j = 0; t && j < VTD_PASIDS_PER_TABLE; j++) {
				u64 v0 = t[j].val[0];

				if (!(v0 & VTD_PE0_P))
					continue;
				seq_printf(s, "pasid %s %u pgtt %llu aw %llu did %llu slptr %#llx flptr %#llx\n",
					   vdev->name,
					   i * VTD_PASIDS_PER_TABLE + j,
					   FIELD_GET(VTD_PE0_PGTT, v0),
					   FIELD_GET(VTD_PE0_AW, v0),
					   FIELD_GET(VTD_PE1_DID, t[j].val[1]),
					   v0 & VTD_PE0_SLPTPTR,
					   t[j].val[2] & VTD_PE2_FLPTPTR);
			}
		}
		seq_printf(s, "device %s pasid 0 %s\n", vdev->name,
			   vdev->rid_domain ? "translated" : "blocked");
		if (vdev->rid_domain &&
		    vdev->rid_domain->ops == &vtd_nested_ops) {
			struct vtd_nested *n = to_vtd_nested(vdev->rid_domain);

			/* The last sync's numbers, read without its lock */
			seq_printf(s, "shadow did %u syncs %llu mapped %llu tables %llu unreachable %llu bad %llu beyond %llu%s%s\n",
				   n->did, n->syncs, n->stats.mapped,
				   n->stats.tables, n->stats.unreachable,
				   n->stats.bad, n->stats.beyond,
				   n->stats.truncated ? " truncated" : "",
				   n->needs_retry ? " needs-retry" : "");
		}
	}
	mutex_unlock(&unit->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtd_tables);

struct vtd_xlate_file {
	struct vtd_unit *unit;
	char result[160];
};

static int vtd_translate_open(struct inode *inode, struct file *file)
{
	struct vtd_xlate_file *xf = kzalloc(sizeof(*xf), GFP_KERNEL);

	if (!xf)
		return -ENOMEM;
	xf->unit = inode->i_private;
	strscpy(xf->result, "write \"RID IOVA [PASID|-] [r|w]\" first\n",
		sizeof(xf->result));
	file->private_data = xf;
	return nonseekable_open(inode, file);
}

static int vtd_translate_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t vtd_translate_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct vtd_xlate_file *xf = file->private_data;
	struct vtd_walk_mem mem = { iofd_read_ram, NULL };
	struct vtd_walk_unit wu = {
		.rtaddr = virt_to_phys(xf->unit->root),
		.sagaw = FIELD_GET(VTD_CAP_SAGAW, xf->unit->cap),
		.sllps = FIELD_GET(VTD_CAP_SLLPS, xf->unit->cap),
		.fl1gp = xf->unit->cap & VTD_CAP_FL1GP,
	};
	struct vtd_walk_result res;
	char buf[96], pasid_s[16] = "-", rw = 'r';
	unsigned int rid;
	u32 pasid = VTD_WALK_NO_PASID;
	u64 iova;
	int n;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	n = sscanf(buf, "%x %llx %15s %c", &rid, &iova, pasid_s, &rw);
	if (n < 2 || rid > 0xffff || (rw != 'r' && rw != 'w'))
		return -EINVAL;
	if (strcmp(pasid_s, "-") && kstrtou32(pasid_s, 16, &pasid))
		return -EINVAL;
	mutex_lock(&xf->unit->lock);
	vtd_walk(&mem, &wu, rid, pasid, iova, rw == 'w', &res);
	mutex_unlock(&xf->unit->lock);
	snprintf(xf->result, sizeof(xf->result),
		 "fault=0x%x pa=0x%llx size=0x%llx r=%d w=%d pgtt=%u did=%u pasid=0x%x\n",
		 res.fault, res.pa, res.size, res.read, res.write, res.pgtt,
		 res.did, res.pasid);
	return len;
}

static ssize_t vtd_translate_read(struct file *file, char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct vtd_xlate_file *xf = file->private_data;

	return simple_read_from_buffer(ubuf, len, ppos, xf->result,
				       strlen(xf->result));
}

static const struct file_operations vtd_translate_fops = {
	.owner = THIS_MODULE,
	.open = vtd_translate_open,
	.release = vtd_translate_release,
	.read = vtd_translate_read,
	.write = vtd_translate_write,
	.llseek = no_llseek,
};

void vtd_debugfs_unit_init(struct vtd_unit *unit)
{
	unit->debugfs = debugfs_create_dir(unit->name, vtd_debugfs_root);
	debugfs_create_file("dids", 0400, unit->debugfs, unit, &vtd_dids_fops);
	debugfs_create_file("faults", 0400, unit->debugfs, unit,
			    &vtd_faults_fops);
	debugfs_create_file("fault_overflows", 0400, unit->debugfs, unit,
			    &vtd_fault_overflows_fops);
	debugfs_create_file("last_fault", 0400, unit->debugfs, unit,
			    &vtd_last_fault_fops);
	debugfs_create_file("tables", 0400, unit->debugfs, unit,
			    &vtd_tables_fops);
	debugfs_create_file("translate", 0600, unit->debugfs, unit,
			    &vtd_translate_fops);
}

void vtd_debugfs_init(void)
{
	vtd_debugfs_root = debugfs_create_dir("iofd_vtd", NULL);
}

void vtd_debugfs_exit(void)
{
	debugfs_remove_recursive(vtd_debugfs_root);
}
