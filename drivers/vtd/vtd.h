/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iofd_vtd: the driver's private structures.
 *
 * A unit (struct vtd_unit) is one DRHD taken over from the kernel: our root
 * and context tables, our invalidation queue.  Every device in its scope
 * has a context entry.  Devices nobody manages point at a shared PASID
 * directory whose RID_PASID entry is pass-through; a device bound to an
 * iommufd context (struct vtd_dev) gets a PASID directory of its own whose
 * entries are blocked (not present) or translate through a domain
 * (struct vtd_domain, a second-level page table with a domain ID).
 */
#ifndef _IOFD_VTD_H
#define _IOFD_VTD_H

#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <iofd/core.h>
#include <iofd/driver.h>
#include "vtd_hw.h"
#include <iofd/pgtable.h>
#include "vtd_shadow.h"
#include <linux/iommufd.h>

#define VTD_QI_ORDER		0	/* one page: 128 descriptors of 256 bits */
#define VTD_QI_ENTRIES		(PAGE_SIZE / sizeof(struct vtd_qi_desc))
#define VTD_PT_DID		1	/* pass-through entries; 0 is reserved */

/**
 * struct vtd_unit - one remapping unit we own
 * @node: in vtd_units
 * @name: "dmar<N>" for logs and debugfs
 * @phys: register base
 * @regs: mapped registers
 * @reg_size: bytes mapped at @regs (the fault records and IOTLB registers
 *	CAP and ECAP place are inside)
 * @cap: CAP register
 * @ecap: ECAP register
 * @agaw: the second-level AGAW we use (largest in CAP.SAGAW, at most 48
 *	bits): table levels = agaw + 2
 * @sl_pgsizes: second-level leaf sizes (4K + CAP.SLLPS)
 * @coherent: ECAP.C: walks snoop CPU caches, no flush needed
 * @segment: PCI segment of the unit's scope
 * @include_all: the DRHD covers every device of @segment not in another
 * @scope: BDFs (bus << 8 | devfn) listed in the DRHD's device scope
 * @nr_scope: entries in @scope
 * @lock: protects the root, context and PASID tables of the unit and the
 *	device list; taken before @qi_lock
 * @root: the root table
 * @ctx_tables: context tables, [bus * 2 + upper half]; NULL if none
 * @pt_dir: shared PASID directory of unmanaged devices
 * @pt_table: its PASID table 0; entry 0 is pass-through
 * @devices: struct vtd_dev.node of managed devices
 * @dids: domain ID allocator
 * @nr_dids: domain IDs in use (debugfs dids)
 * @qi_lock: serializes submissions to the invalidation queue (process
 *	context only: every caller may sleep)
 * @qi: the queue (256-bit descriptors)
 * @qi_tail: next free slot
 * @qi_status: written by wait descriptors
 * @qi_seq: data of the last wait descriptor
 * @fault_work: polls the fault recording registers
 * @fault_lock: serializes fault processing
 * @faults: fault records seen since load
 * @fault_overflows: times the unit reported primary fault overflow (FSTS.PFO:
 *	faults dropped because every record was in use)
 * @last_fault: the last record, as read (lo, hi)
 * @debugfs: this unit's debugfs directory
 */
struct vtd_unit {
	struct list_head node;
	char name[16];
	phys_addr_t phys;
	void __iomem *regs;
	size_t reg_size;
	u64 cap;
	u64 ecap;
	unsigned int agaw;
	unsigned long sl_pgsizes;
	bool coherent;
	u16 segment;
	bool include_all;
	u16 *scope;
	unsigned int nr_scope;

	struct mutex lock;
	struct vtd_root_entry *root;
	struct vtd_context_entry *ctx_tables[512];
	u64 *pt_dir;
	struct vtd_pasid_entry *pt_table;
	struct list_head devices;
	struct ida dids;
	atomic_t nr_dids;

	struct mutex qi_lock;
	struct vtd_qi_desc *qi;
	unsigned int qi_tail;
	u32 *qi_status;
	u32 qi_seq;

	struct delayed_work fault_work;
	struct mutex fault_lock;
	atomic64_t faults;
	atomic64_t fault_overflows;
	u64 last_fault[2];
	struct dentry *debugfs;
};

/**
 * struct vtd_dev - a device bound through iofd-pci
 * @idev: what the core knows; first, see to_vtd_dev()
 * @unit: its unit
 * @pdev: the PCI device
 * @rid: bus << 8 | devfn
 * @node: in @unit->devices
 * @pasid_dir: its PASID directory (PDTS 0: 128 entries)
 * @pasid_tables: PASID tables by directory index, NULL if none
 * @rid_domain: the domain (paging or nested) of requests without PASID,
 *	NULL when blocked
 * @name: for logs
 *
 * Entries and @rid_domain change under @unit->lock.
 */
struct vtd_dev {
	struct iofd_device idev;
	struct vtd_unit *unit;
	struct pci_dev *pdev;
	u16 rid;
	struct list_head node;
	u64 *pasid_dir;
	struct vtd_pasid_entry *pasid_tables[128];
	struct iofd_domain *rid_domain;
	char name[32];
};

/**
 * struct vtd_domain - a paging domain
 * @domain: what the core knows; first
 * @unit: the unit whose devices it may serve (a domain ID is per unit)
 * @did: its domain ID on @unit
 * @pt: the second-level table
 * @users: attached RIDs and PASIDs, under @unit->lock
 * @nest_parent: nested domains may be built over it
 * @nest_lock: held across changes of @pt while nested domains may read it
 *	(shadow syncs walk @pt), and protects @nested
 * @nested: struct vtd_nested.parent_node of the nested domains over it
 */
struct vtd_domain {
	struct iofd_domain domain;
	struct vtd_unit *unit;
	u16 did;
	struct iofd_pgtable pt;
	unsigned int users;
	bool nest_parent;
	struct mutex nest_lock;
	struct list_head nested;
};

/**
 * struct vtd_nested - a guest first-level table over a nest parent
 * @domain: what the core knows; first
 * @parent: the nest parent (the core keeps it alive)
 * @did: domain ID of the entries that use this domain
 * @s1: the guest's description (IOMMU_HWPT_DATA_VTD_S1)
 * @fl_levels: 4 or 5, from @s1.addr_width
 * @shadow: shadow mode: the composed second-level table the unit walks
 * @hw_nesting: the unit nests itself (ECAP.NEST + FLTS): PGTT nested,
 *	@shadow unused
 * @parent_node: in @parent->nested, under @parent->nest_lock
 * @users: attached RIDs and PASIDs, under the unit lock
 * @stats: what the last shadow sync did (debugfs), under nest_lock
 * @needs_retry: some guest entry was out of reach or a sync was cut
 *	short: parent maps refill; under nest_lock
 * @syncs: shadow syncs done
 */
struct vtd_nested {
	struct iofd_domain domain;
	struct vtd_domain *parent;
	u16 did;
	struct iommu_hwpt_vtd_s1 s1;
	unsigned int fl_levels;
	struct iofd_pgtable shadow;
	bool hw_nesting;
	struct list_head parent_node;
	unsigned int users;
	struct vtd_shadow_stats stats;
	bool needs_retry;
	u64 syncs;
};

extern struct iofd_driver vtd_driver;
extern struct list_head vtd_units;

static inline struct vtd_dev *to_vtd_dev(struct iofd_device *idev)
{
	return container_of(idev, struct vtd_dev, idev);
}

static inline struct vtd_domain *to_vtd_domain(struct iofd_domain *domain)
{
	return container_of(domain, struct vtd_domain, domain);
}

static inline struct vtd_nested *to_vtd_nested(struct iofd_domain *domain)
{
	return container_of(domain, struct vtd_nested, domain);
}

/* vtd_dmar.c */
int vtd_dmar_probe_units(void);

/* vtd_unit.c */
int vtd_unit_init(struct vtd_unit *unit);
void vtd_unit_destroy(struct vtd_unit *unit);
bool vtd_unit_has_rid(struct vtd_unit *unit, u16 segment, u16 rid);
int vtd_qi_submit(struct vtd_unit *unit, const struct vtd_qi_desc *descs,
		  unsigned int n);
void vtd_flush_range(struct vtd_unit *unit, void *va, size_t len);
int vtd_dev_set_pasid_entry(struct vtd_dev *vdev, u32 pasid,
			    const struct vtd_pasid_entry *pe, u16 new_did,
			    u16 old_did);
int vtd_iotlb_flush_range(struct vtd_unit *unit, u16 did, u64 start,
			  u64 len);
void vtd_free_after_invalidation(struct list_head *freelist, int inv_rc);
int vtd_dev_take(struct vtd_dev *vdev);
void vtd_dev_give_back(struct vtd_dev *vdev);
void vtd_faults_process(struct vtd_unit *unit);
int vtd_did_alloc(struct vtd_unit *unit);
void vtd_did_free(struct vtd_unit *unit, u16 did);

/* vtd_domain.c */
extern const struct iofd_domain_ops vtd_domain_ops;
u16 vtd_domain_did(struct iofd_domain *domain);
struct iofd_domain *vtd_domain_alloc_paging(struct iofd_device *idev,
					    u32 flags);
int vtd_attach_dev(struct iofd_domain *domain, struct iofd_device *idev,
		   u32 pasid);
void vtd_block_dev(struct iofd_device *idev, u32 pasid);

/* vtd_nested.c */
extern const struct iofd_domain_ops vtd_nested_ops;
struct iofd_domain *vtd_domain_alloc_nested(struct iofd_device *idev,
					    struct iofd_domain *parent,
					    u32 flags,
					    const struct iofd_user_data *data);
void vtd_nested_parent_changed(struct vtd_domain *parent, bool unmapped);
void vtd_nested_entry(struct vtd_nested *n, struct vtd_pasid_entry *pe);
int vtd_nested_init(struct vtd_nested *n, struct vtd_domain *parent,
		    const struct iommu_hwpt_vtd_s1 *s1);
void vtd_nested_fini(struct vtd_nested *n);
int vtd_nested_resync(struct vtd_nested *n, u64 start, u64 last);
u64 vtd_parent_gpa_to_hpa(void *ctx, u64 gpa, unsigned int *perm);
int vtd_inv_range(u64 addr, u64 npages, u64 *last);

/* vtd_ptable.c */
extern const struct iofd_domain_ops vtd_ptable_ops;
struct iofd_domain *vtd_ptable_alloc(struct vtd_dev *vdev,
				     struct vtd_domain *parent, u32 flags,
				     const struct iofd_user_data *data);
bool vtd_is_ptable(struct iofd_domain *domain);
void vtd_ptable_lock2(struct iofd_domain *a, struct iofd_domain *b);
void vtd_ptable_unlock2(struct iofd_domain *a, struct iofd_domain *b);
int vtd_ptable_check(struct iofd_domain *domain, struct vtd_dev *vdev);
u16 vtd_ptable_rid_did(struct iofd_domain *domain);
void vtd_ptable_install(struct iofd_domain *domain, struct vtd_dev *vdev,
			u16 old_did);
void vtd_ptable_uninstall(struct iofd_domain *domain, struct vtd_dev *vdev,
			  bool keep_rid);
void vtd_ptable_rid_users_dec(struct iofd_domain *domain);

/* vtd_debugfs.c */
void vtd_debugfs_unit_init(struct vtd_unit *unit);
void vtd_debugfs_init(void);
void vtd_debugfs_exit(void);

#endif /* _IOFD_VTD_H */
