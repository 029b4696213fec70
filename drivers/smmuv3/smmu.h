/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iofd_smmuv3: the driver's private structures.
 *
 * A unit (struct smmu_unit) is one SMMUv3 taken from the device tree: our
 * stream table (two levels), command queue and event queue.  Every PCI
 * device whose iommu-map names the unit has a bypass STE until it is bound
 * through iofd-pci (struct smmu_dev); then its STE aborts (blocked) or
 * translates through a domain: stage 1 with one context descriptor
 * (struct smmu_domain, own ASID) or a nested domain (struct smmu_nested,
 * the guest's STE over a nest parent).
 */
#ifndef _IOFD_SMMU_H
#define _IOFD_SMMU_H

#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <iofd/core.h>
#include <iofd/driver.h>
#include <iofd/pgtable.h>
#include <linux/iommufd.h>
#include "smmu_hw.h"
#include "smmu_shadow.h"

/* 256 commands (4K); 2048 events (64K: a faulting page makes ~1000) */
#define SMMU_CMDQ_LOG2		8
#define SMMU_EVTQ_LOG2		11

/**
 * struct smmu_queue - a command or event queue in memory
 * @base: the entries
 * @log2: log2 of the number of entries
 * @ent_size: bytes per entry
 * @prod: our copy of PROD (command queue) / CONS (event queue), wrap
 *	bit included
 */
struct smmu_queue {
	void *base;
	unsigned int log2;
	unsigned int ent_size;
	u32 prod;
};

/**
 * struct smmu_unit - one SMMUv3 we own
 * @node: in smmu_units
 * @name: "smmu<N>" for logs and debugfs
 * @dev: the platform device
 * @np: its device-tree node (the target of the PCI hosts' iommu-map)
 * @regs: page 0 and page 1 of the registers
 * @idr: IDR0-IDR5 as read at probe
 * @iidr: IIDR
 * @aidr: AIDR
 * @cr0_found: CR0 at probe (reported at unload)
 * @sid_bits: StreamID bits we cover (SIDSIZE, at most 32)
 * @oas: output address bits (IDR5.OAS)
 * @ips: IDR5.OAS encoding, for context descriptors
 * @asid_bits: 8 or 16
 * @vmid_bits: 8 or 16 (stage 2)
 * @s2_ias: input bits of our stage-2 tables (OAS, at most 48)
 * @lock: the stream table and the device list; taken before @cmdq_lock
 * @linear: a linear stream table of 2^@sid_bits STEs (@linear_tab); else
 *	two levels (@l1, @l2)
 * @linear_tab: the linear table
 * @l1: level-1 stream table: one descriptor per 256 StreamIDs
 * @l2: level-2 tables by level-1 index, NULL if none yet
 * @nr_l1: entries in @l1 and @l2
 * @devices: struct smmu_dev.node of bound devices
 * @asids: ASID allocator
 * @vmids: VMID allocator (stage 2)
 * @nr_asids: ASIDs in use (debugfs counters)
 * @nr_vmids: VMIDs in use
 * @cmdq_lock: serializes command submission (process context only)
 * @cmdq: the command queue
 * @cmdq_on: CMDQEN is set: commands are consumed
 * @cmd_errors: commands the unit refused (CMDQ_CONS.ERR)
 * @evtq: the event queue; @evtq.prod is our CONS
 * @evt_lock: serializes event and GERROR processing
 * @evt_work: processes events and GERROR after an interrupt, or polls
 * @poll: no wired interrupt: @evt_work polls
 * @events: event records read since load
 * @evt_lost: GERROR.EVTQ_ABT_ERR seen: the queue was full, records lost
 * @gerrors: global errors seen
 * @last_event: the last event record read
 * @debugfs: this unit's debugfs directory
 */
struct smmu_unit {
	struct list_head node;
	char name[16];
	struct device *dev;
	struct device_node *np;
	void __iomem *regs;
	u32 idr[6];
	u32 iidr;
	u32 aidr;
	u32 cr0_found;
	unsigned int sid_bits;
	unsigned int oas;
	unsigned int ips;
	unsigned int asid_bits;
	unsigned int vmid_bits;
	unsigned int s2_ias;

	struct mutex lock;
	bool linear;
	struct smmu_ste *linear_tab;
	u64 *l1;
	struct smmu_ste **l2;
	unsigned int nr_l1;
	struct list_head devices;
	struct ida asids;
	struct ida vmids;
	atomic_t nr_asids;
	atomic_t nr_vmids;

	struct mutex cmdq_lock;
	struct smmu_queue cmdq;
	bool cmdq_on;
	atomic64_t cmd_errors;

	struct smmu_queue evtq;
	struct mutex evt_lock;
	struct delayed_work evt_work;
	bool poll;
	atomic64_t events;
	atomic64_t evt_lost;
	atomic64_t gerrors;
	struct smmu_evt last_event;
	struct dentry *debugfs;
};

/**
 * struct smmu_dev - a PCI device bound through iofd-pci
 * @idev: what the core knows; first, see to_smmu_dev()
 * @unit: its SMMU
 * @pdev: the PCI device
 * @sid: its StreamID (the iommu-map of its host bridge applied to the RID)
 * @node: in @unit->devices
 * @domain: the domain (paging or nested) its STE uses, NULL when blocked;
 *	changes under @unit->lock
 * @vsmmu: the vIOMMU that has it as a vDEVICE, NULL if none; with @vsid,
 *	set by vdevice_init/destroy (the core allows one vDEVICE per device
 *	and attaches a vIOMMU's nested domain only to its vDEVICEs)
 * @vsid: its virtual StreamID there
 * @name: for logs
 */
struct smmu_dev {
	struct iofd_device idev;
	struct smmu_unit *unit;
	struct pci_dev *pdev;
	u32 sid;
	struct list_head node;
	struct iofd_domain *domain;
	struct smmu_viommu *vsmmu;
	u64 vsid;
	char name[32];
};

/**
 * struct smmu_domain - a paging domain: a stage-1 table behind one context
 *	descriptor, or (a nest parent on a unit with stage 2) a stage-2 table
 * @domain: what the core knows; first
 * @unit: the SMMU whose devices it may serve (ASIDs, VMIDs are per unit)
 * @s2: a stage-2 table: @vmid tags it, no CD
 * @asid: stage 1: its ASID, the TLB tag of its translations
 * @vmid: stage 2: its VMID
 * @cd: stage 1: its context descriptor (64-byte aligned)
 * @pt: the table
 * @users: attached streams, under @unit->lock
 * @nest_parent: nested domains may be built over it
 * @nest_lock: held across changes of @pt while nested domains may read it,
 *	and protects @nested and @viommus
 * @nested: struct smmu_nested.parent_node of the nested domains over it
 * @viommus: struct smmu_viommu.parent_node of the vIOMMUs over it
 */
struct smmu_domain {
	struct iofd_domain domain;
	struct smmu_unit *unit;
	bool s2;
	u16 asid;
	u16 vmid;
	struct smmu_cd *cd;
	struct iofd_pgtable pt;
	unsigned int users;
	bool nest_parent;
	struct mutex nest_lock;
	struct list_head nested;
	struct list_head viommus;
};

/**
 * struct smmu_viommu - an IOMMU_VIOMMU_TYPE_ARM_SMMUV3 vIOMMU
 * @core: what the core knows; first
 * @parent: the nest parent (the core keeps it alive)
 * @vmid: its own VMID, for as long as it lives: hardware nesting tags
 *	its streams' stage 2 with it and forces its guest's commands to it;
 *	shadow mode passes no command on and only reports it
 * @nested: struct smmu_nested.viommu_node of its nested domains, under
 *	@parent->nest_lock
 * @parent_node: in @parent->viommus, under @parent->nest_lock
 */
struct smmu_viommu {
	struct iofd_viommu core;
	struct smmu_domain *parent;
	u16 vmid;
	struct list_head nested;
	struct list_head parent_node;
};

/**
 * struct smmu_nested - a guest STE (vSTE) over a nest parent
 * @domain: what the core knows; first
 * @viommu: the vIOMMU it was allocated from
 * @parent: the nest parent
 * @vste: the validated guest STE (CPU order)
 * @cfg: its Config: SMMU_STE_CFG_ABORT, _BYPASS or _S1
 * @hw: hardware nesting (the parent is a stage 2): the unit walks the
 *	guest's CD and tables itself; no shadow
 * @asid: host ASID of the shadow (S1 only)
 * @cd: the shadow context descriptor (S1 only)
 * @guest: the guest CD as last read (CFGI_CD re-reads it)
 * @shadow: the composed stage-1 table: guest table over the parent
 * @stats: what the last shadow sync did, under @parent->nest_lock
 * @needs_retry: a guest table or page was out of reach: parent maps
 *	refill; under @parent->nest_lock
 * @syncs: shadow syncs done
 * @parent_node: in @parent->nested
 * @viommu_node: in @viommu->nested
 * @users: attached streams, under the unit lock
 * @defer_inv: a guest invalidation array is being handled: syncs gather
 *	their physical TLBI in @inv_start..@inv_last and their freed table
 *	pages in @inv_free, flushed once at its end (smmu_nested_flush_inv);
 *	set and cleared under @parent->nest_lock, never seen by other paths
 * @inv_pending: @inv_start..@inv_last holds a TLBI not issued yet
 * @inv_start: first IOVA of the pending TLBI
 * @inv_last: last IOVA of the pending TLBI (0..U64_MAX: the whole ASID)
 * @inv_free: shadow table pages to free after the pending TLBI
 * @sync_pending: with @defer_inv: guest TLBI_NH_VA(A) windows that touch
 *	are merged into @sync_start..@sync_last and synced as one walk when
 *	a window that does not touch, another command or the end comes
 * @sync_start: first IOVA of the pending shadow sync
 * @sync_last: last IOVA of the pending shadow sync
 * @sync_first: index in the guest's array of the first command merged
 *	into the pending sync (its entry_num if that sync fails)
 */
struct smmu_nested {
	struct iofd_domain domain;
	struct smmu_viommu *viommu;
	struct smmu_domain *parent;
	u64 vste[2];
	unsigned int cfg;
	bool hw;
	u16 asid;
	struct smmu_cd *cd;
	struct smmu_guest_cd guest;
	struct iofd_pgtable shadow;
	struct smmu_shadow_stats stats;
	bool needs_retry;
	u64 syncs;
	struct list_head parent_node;
	struct list_head viommu_node;
	unsigned int users;
	bool defer_inv;
	bool inv_pending;
	u64 inv_start;
	u64 inv_last;
	struct list_head inv_free;
	bool sync_pending;
	u64 sync_start;
	u64 sync_last;
	u32 sync_first;
};

extern struct iofd_driver smmu_driver;
extern struct list_head smmu_units;

static inline struct smmu_dev *to_smmu_dev(struct iofd_device *idev)
{
	return container_of(idev, struct smmu_dev, idev);
}

static inline struct smmu_domain *to_smmu_domain(struct iofd_domain *domain)
{
	return container_of(domain, struct smmu_domain, domain);
}

static inline struct smmu_nested *to_smmu_nested(struct iofd_domain *domain)
{
	return container_of(domain, struct smmu_nested, domain);
}

/* smmu_unit.c */
int smmu_unit_init(struct smmu_unit *unit);
void smmu_unit_destroy(struct smmu_unit *unit);
int smmu_cmdq_submit(struct smmu_unit *unit, const struct smmu_cmd *cmds,
		     unsigned int n);
int smmu_tlbi_range(struct smmu_unit *unit, u16 asid, u64 iova, u64 len);
int smmu_tlbi_s2_range(struct smmu_unit *unit, u16 vmid, u64 ipa, u64 len);
int smmu_cfgi_cd(struct smmu_unit *unit, u32 sid);
int smmu_stream_prepare(struct smmu_unit *unit, u32 sid);
void smmu_write_ste(struct smmu_unit *unit, u32 sid,
		    const struct smmu_ste *ste);
struct smmu_ste *smmu_ste_ptr(struct smmu_unit *unit, u32 sid);
phys_addr_t smmu_strtab_base(struct smmu_unit *unit);
void smmu_events_process(struct smmu_unit *unit);
void smmu_free_after_invalidation(struct list_head *freelist, int inv_rc);
int smmu_asid_alloc(struct smmu_unit *unit);
int smmu_vmid_alloc(struct smmu_unit *unit);
void smmu_asid_free(struct smmu_unit *unit, u16 asid);
void smmu_vmid_free(struct smmu_unit *unit, u16 vmid);

/* smmu_main.c */
int smmu_pci_sid(struct smmu_unit *unit, struct pci_dev *pdev, u32 *sid);

/* smmu_domain.c */
extern const struct iofd_domain_ops smmu_domain_ops;
struct iofd_domain *smmu_domain_alloc_paging(struct iofd_device *idev,
					     u32 flags);
int smmu_attach_dev(struct iofd_domain *domain, struct iofd_device *idev,
		    u32 pasid);
void smmu_block_dev(struct iofd_device *idev, u32 pasid);
void smmu_domain_ste(struct iofd_domain *domain, struct smmu_ste *ste);
void smmu_paging_ste(struct smmu_domain *sd, struct smmu_ste *ste);

/* smmu_nested.c */
extern const struct iofd_domain_ops smmu_nested_ops;
size_t smmu_viommu_size(struct iofd_device *idev, u32 type);
int smmu_viommu_init(struct iofd_viommu *viommu, struct iofd_device *idev,
		     const struct iofd_user_data *data);
void smmu_nested_parent_changed(struct smmu_domain *parent, bool unmapped);
void smmu_nested_ste(struct smmu_nested *n, struct smmu_ste *ste);

/* smmu_debugfs.c */
void smmu_debugfs_init(void);
void smmu_debugfs_unit_init(struct smmu_unit *unit);
void smmu_debugfs_exit(void);

#endif /* _IOFD_SMMU_H */
