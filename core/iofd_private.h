/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private structures of the iofd core.
 *
 * Object model: every object has an ID in its context's xarray and a
 * `users` refcount (see struct iofd_object).  The xarray entry owns one
 * reference; each long-term dependent (HWPT -> IOAS, device -> attached
 * HWPT, access -> IOAS) and each in-flight lookup owns one more.  User
 * DESTROY succeeds only when the table's reference is the sole one
 * (-EBUSY otherwise); kernel-side removal (device unbind) erases the ID and
 * lets the last iofd_object_put() destroy the object.
 *
 * Lock order, outermost first:
 *   iofd_idev.lock
 *     iofd_ioas.mutex            (HWPT list of the IOAS)
 *       io_pagetable.rwsem       (IOVA trees, domain list, alignment)
 *   io_pagetable.notify_lock     (access ->unmap callbacks run under it)
 *     <driver's access lock>
 *       iofd_access.lock
 *         io_pagetable.accesses_lock
 *         io_pagetable.rwsem
 *   ictx->objects xa_lock is innermost and never held across a sleep.
 */
#ifndef _IOFD_PRIVATE_H
#define _IOFD_PRIVATE_H

#include <linux/xarray.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/rbtree.h>
#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <iofd/core.h>

struct iommu_option;

enum iofd_object_type {
	IOFD_OBJ_NONE,
	IOFD_OBJ_ANY = IOFD_OBJ_NONE,
	IOFD_OBJ_DEVICE,
	IOFD_OBJ_HWPT_PAGING,
	IOFD_OBJ_HWPT_NESTED,
	IOFD_OBJ_IOAS,
	IOFD_OBJ_VIOMMU,
	IOFD_OBJ_VDEVICE,
	IOFD_OBJ_DRIVER,
	IOFD_OBJ_MAX,
};

/* How pinned pages are charged against RLIMIT_MEMLOCK */
enum iofd_account_mode {
	IOFD_ACCOUNT_USER,	/* user_struct->locked_vm, shared by the user */
	IOFD_ACCOUNT_MM,	/* mm->locked_vm of the mapping process */
	IOFD_ACCOUNT_NONE,	/* CAP_IPC_LOCK: pinned, not charged */
};

/**
 * struct iofd_ctx - state of one open /dev/iommu
 * @file: the file, whose refcount keeps the context alive
 * @objects: ID -> struct iofd_object; XA_ZERO_ENTRY marks a reserved ID
 * @account_mode: enum iofd_account_mode, changed only while @objects is
 *	empty (under its xa_lock)
 */
struct iofd_ctx {
	struct file *file;
	struct xarray objects;
	u8 account_mode;
};

/*
 * An IOVA range owned by a reason to keep it unused (a domain's aperture,
 * a test reservation).  Lives in io_pagetable.reserved_itree.
 */
struct iopt_reserved {
	struct interval_tree_node node;
	void *owner;
};

/* One range given by IOMMU_IOAS_ALLOW_IOVAS */
struct iopt_allowed {
	struct interval_tree_node node;
};

/**
 * struct iopt_pages - pinned user memory, shared by every area that maps it
 * @kref: one per area (IOAS_COPY adds areas, never pins)
 * @pages: @npages pinned pages, in address order
 * @npages: number of pages
 * @writable: pinned with FOLL_WRITE; pages get dirtied on unpin
 * @account_mode: how @npages were charged
 * @user: the user charged in IOFD_ACCOUNT_USER mode
 * @mm: the mm charged (grabbed, not pinned)
 * @file: the memfd for IOAS_MAP_FILE, else NULL
 *
 * Immutable after creation; freed (unpinned and uncharged) by the last
 * iopt_pages_put().
 */
struct iopt_pages {
	struct kref kref;
	struct page **pages;
	unsigned long npages;
	bool writable;
	u8 account_mode;
	struct user_struct *user;
	struct mm_struct *mm;
	struct file *file;
};

/**
 * struct iopt_area - one mapping in an IOAS
 * @node: IOVA interval [start, last] in io_pagetable.area_itree
 * @pages: backing pages (reference held)
 * @pages_offset: byte offset into @pages where @node.start maps
 * @prot: IOFD_PROT_* bits
 * @num_accesses: pins held by emulated-device accesses, atomic because
 *	accesses pin under the read side of io_pagetable.rwsem
 */
struct iopt_area {
	struct interval_tree_node node;
	struct iopt_pages *pages;
	unsigned long pages_offset;
	int prot;
	atomic_t num_accesses;
};

/**
 * struct io_pagetable - the IOVA space of an IOAS
 * @rwsem: protects the three trees, @domains, @iova_alignment and
 *	@disable_large_pages; write for changes, read for lookups
 * @area_itree: mapped ranges (struct iopt_area)
 * @reserved_itree: ranges never to be mapped (struct iopt_reserved)
 * @allowed_itree: when non-empty, the only ranges auto-IOVA may use
 * @domains: struct iofd_hwpt_paging.iopt_node of every domain that mirrors
 *	the areas
 * @accesses_lock: protects @accesses and each access's @notify_seq
 * @accesses: struct iofd_access.iopt_node of attached accesses
 * @notify_lock: serialises unmap notifications; held across the access
 *	->unmap callbacks (which take driver locks, then access->lock and
 *	@rwsem), so nothing may take it while holding those
 * @notify_seq: generation of the notification in progress
 * @iova_alignment: every area's IOVA, length and page offset are aligned
 *	to this: the largest minimum IOPTE size of @domains, at least
 *	PAGE_SIZE when @disable_large_pages
 * @disable_large_pages: IOMMU_OPTION_HUGE_PAGES == 0, map PAGE_SIZE only
 */
struct io_pagetable {
	struct rw_semaphore rwsem;
	struct rb_root_cached area_itree;
	struct rb_root_cached reserved_itree;
	struct rb_root_cached allowed_itree;
	struct list_head domains;
	struct mutex accesses_lock;
	struct list_head accesses;
	struct mutex notify_lock;
	u64 notify_seq;
	unsigned long iova_alignment;
	bool disable_large_pages;
};

/**
 * struct iofd_ioas - IOAS object
 * @obj: header
 * @iopt: the IOVA space
 * @mutex: protects @hwpt_list and serialises auto-domain selection
 * @hwpt_list: paging HWPTs built on this IOAS
 */
struct iofd_ioas {
	struct iofd_object obj;
	struct io_pagetable iopt;
	struct mutex mutex;
	struct list_head hwpt_list;
};

/**
 * struct iofd_hwpt - what every HWPT object has
 * @obj: header; attached devices (RID or PASID) hold users references
 * @ictx: owning context
 * @domain: the driver's domain, freed with the object
 * @flags: the IOMMU_HWPT_ALLOC_* flags it was created with; PASID marks a
 *	HWPT that may serve PASIDs (upstream's pasid_compat)
 */
struct iofd_hwpt {
	struct iofd_object obj;
	struct iofd_ctx *ictx;
	struct iofd_domain *domain;
	u32 flags;
};

/**
 * struct iofd_hwpt_paging - HWPT_PAGING object: kernel-managed tables
 * @common: header
 * @ioas: the IOAS mirrored into the domain (holds a users reference)
 * @ioas_node: in ioas->hwpt_list, under ioas->mutex
 * @iopt_node: in ioas->iopt.domains, under ioas->iopt.rwsem
 * @auto_domain: created by attaching a device straight to an IOAS;
 *	destroyed when the last device detaches
 * @nest_parent: allocated with IOMMU_HWPT_ALLOC_NEST_PARENT: may be the
 *	stage 2 of nested HWPTs and vIOMMUs, which hold references on it
 */
struct iofd_hwpt_paging {
	struct iofd_hwpt common;
	struct iofd_ioas *ioas;
	struct list_head ioas_node;
	struct list_head iopt_node;
	bool auto_domain;
	bool nest_parent;
};

/**
 * struct iofd_hwpt_nested - HWPT_NESTED object: guest-managed stage 1
 * @common: header
 * @parent: the nest parent (users reference held)
 * @viommu: the vIOMMU it was allocated from (users reference held), or
 *	NULL when allocated straight from @parent
 */
struct iofd_hwpt_nested {
	struct iofd_hwpt common;
	struct iofd_hwpt_paging *parent;
	struct iofd_viommu *viommu;
};

/**
 * struct iofd_vdevice - VDEVICE object: a device as the guest names it
 * @obj: header
 * @viommu: its vIOMMU (users reference held)
 * @idev: the device; no reference: the device's unbind destroys the
 *	vDEVICE first (idev->vdev points back, under idev->lock)
 * @virt_id: the guest's ID for it (vSID, vRID), key in @viommu->vdevs
 */
struct iofd_vdevice {
	struct iofd_object obj;
	struct iofd_viommu *viommu;
	struct iofd_idev *idev;
	u64 virt_id;
};

/**
 * struct iofd_idev - DEVICE object: a device bound to a context
 * @obj: header; the binder holds one extra reference until unbind, so
 *	user DESTROY of a device ID is always -EBUSY
 * @ictx: owning context (the binder holds a file reference through it)
 * @dev: the driver's device description
 * @lock: serialises attach/replace/detach of this device and @vdev
 * @rid_hwpt: HWPT translating requests without PASID, NULL when blocked
 * @pasid_hwpts: PASID -> struct iofd_hwpt, under @lock
 * @vdev: the device's vDEVICE, at most one, under @lock
 */
struct iofd_idev {
	struct iofd_object obj;
	struct iofd_ctx *ictx;
	struct iofd_device *dev;
	struct mutex lock;
	struct iofd_hwpt *rid_hwpt;
	struct xarray pasid_hwpts;
	struct iofd_vdevice *vdev;
};

/**
 * struct iofd_access - an emulated device's CPU access to an IOAS
 * @ictx: owning context (file reference held)
 * @ops: callbacks of the access user
 * @data: argument of @ops
 * @lock: serialises attach/replace/detach
 * @ioas: attached IOAS (users reference held), NULL when detached
 * @iopt_node: in ioas->iopt.accesses
 * @notify_seq: last io_pagetable.notify_seq it was called for
 */
struct iofd_access {
	struct iofd_ctx *ictx;
	const struct iofd_access_ops *ops;
	void *data;
	struct mutex lock;
	struct iofd_ioas *ioas;
	struct list_head iopt_node;
	u64 notify_seq;
};

/* main.c: object table */
struct iofd_object *iofd_object_alloc(struct iofd_ctx *ictx, size_t size,
				      enum iofd_object_type type);
void iofd_object_finalize(struct iofd_ctx *ictx, struct iofd_object *obj);
void iofd_object_abort(struct iofd_ctx *ictx, struct iofd_object *obj);
void iofd_object_abort_and_destroy(struct iofd_ctx *ictx,
				   struct iofd_object *obj);
struct iofd_object *iofd_get_object(struct iofd_ctx *ictx, u32 id,
				    enum iofd_object_type type);
bool iofd_object_try_destroy(struct iofd_ctx *ictx, struct iofd_object *obj);
void iofd_object_destroy(struct iofd_object *obj);

#define iofd_alloc_obj(ictx, ptr, type)                                       \
	({                                                                     \
		static_assert(offsetof(typeof(*(ptr)), obj) == 0);            \
		container_of(iofd_object_alloc(ictx, sizeof(*(ptr)), type),    \
			     typeof(*(ptr)), obj);                             \
	})

static inline struct iofd_ioas *iofd_get_ioas(struct iofd_ctx *ictx, u32 id)
{
	struct iofd_object *obj = iofd_get_object(ictx, id, IOFD_OBJ_IOAS);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iofd_ioas, obj);
}

/* ioas.c */
int iofd_ioas_alloc_ioctl(struct iofd_ucmd *ucmd);
int iofd_ioas_iova_ranges_ioctl(struct iofd_ucmd *ucmd);
int iofd_ioas_allow_iovas_ioctl(struct iofd_ucmd *ucmd);
int iofd_ioas_map_ioctl(struct iofd_ucmd *ucmd);
int iofd_ioas_map_file_ioctl(struct iofd_ucmd *ucmd);
int iofd_ioas_copy_ioctl(struct iofd_ucmd *ucmd);
int iofd_ioas_unmap_ioctl(struct iofd_ucmd *ucmd);
int iofd_ioas_option(struct iofd_ucmd *ucmd);
int iofd_option_ioctl(struct iofd_ucmd *ucmd);
void iofd_ioas_destroy(struct iofd_object *obj);
struct iofd_ioas *iofd_ioas_create(struct iofd_ctx *ictx);

/* io_pagetable.c */
void iopt_init(struct io_pagetable *iopt);
void iopt_destroy(struct io_pagetable *iopt);
int iopt_map_pages(struct io_pagetable *iopt, struct iopt_pages *pages,
		   unsigned long pages_offset, unsigned long align_hint,
		   unsigned long *iova, unsigned long length, int prot,
		   bool fixed);
int iopt_copy(struct io_pagetable *dst, unsigned long *dst_iova, bool fixed,
	      struct io_pagetable *src, unsigned long src_iova,
	      unsigned long length, int prot);
int iopt_unmap(struct io_pagetable *iopt, unsigned long iova,
	       unsigned long length, unsigned long *unmapped);
int iopt_unmap_range(struct io_pagetable *iopt, unsigned long iova,
		     unsigned long last, unsigned long *unmapped);
int iopt_reserve(struct io_pagetable *iopt, unsigned long start,
		 unsigned long last, void *owner);
void iopt_remove_reserved(struct io_pagetable *iopt, void *owner);
int iopt_set_allowed(struct io_pagetable *iopt, struct rb_root_cached *allowed);
void iopt_free_itree(struct rb_root_cached *root, size_t node_offset);
int iopt_add_domain(struct io_pagetable *iopt,
		    struct iofd_hwpt_paging *hwpt);
void iopt_remove_domain(struct io_pagetable *iopt,
			struct iofd_hwpt_paging *hwpt);
int iopt_set_large_pages(struct io_pagetable *iopt, bool enable);
struct iopt_area *iopt_area_first(struct io_pagetable *iopt,
				  unsigned long start, unsigned long last);
struct iopt_area *iopt_area_next(struct iopt_area *area, unsigned long start,
				 unsigned long last);
/* Page holding IOVA @iova of @area, and the byte offset within it */
struct page *iopt_area_page(struct iopt_area *area, unsigned long iova,
			    unsigned int *offset);

/* pages.c */
struct iopt_pages *iopt_pages_pin_user(unsigned long uptr,
				       unsigned long length, bool writable,
				       u8 account_mode);
struct iopt_pages *iopt_pages_pin_file(struct file *file, u64 start,
				       unsigned long length, bool writable,
				       u8 account_mode);
void iopt_pages_put(struct iopt_pages *pages);
extern unsigned int iofd_pin_batch;

/* hw_pagetable.c */
int iofd_hwpt_alloc_ioctl(struct iofd_ucmd *ucmd);
int iofd_hwpt_invalidate_ioctl(struct iofd_ucmd *ucmd);
struct iofd_hwpt_paging *iofd_hwpt_paging_alloc(struct iofd_ctx *ictx,
						struct iofd_ioas *ioas,
						struct iofd_idev *idev,
						u32 flags, bool auto_domain);
void iofd_hwpt_paging_destroy(struct iofd_object *obj);
void iofd_hwpt_nested_destroy(struct iofd_object *obj);

static inline struct iofd_hwpt_paging *to_hwpt_paging(struct iofd_hwpt *hwpt)
{
	return container_of(hwpt, struct iofd_hwpt_paging, common);
}

static inline bool iofd_is_hwpt(struct iofd_object *obj)
{
	return obj->type == IOFD_OBJ_HWPT_PAGING ||
	       obj->type == IOFD_OBJ_HWPT_NESTED;
}

/* viommu.c */
int iofd_viommu_alloc_ioctl(struct iofd_ucmd *ucmd);
int iofd_vdevice_alloc_ioctl(struct iofd_ucmd *ucmd);
void iofd_viommu_destroy(struct iofd_object *obj);
void iofd_vdevice_destroy(struct iofd_object *obj);
void iofd_idev_remove_vdev(struct iofd_idev *idev);

/* device.c */
int iofd_get_hw_info_ioctl(struct iofd_ucmd *ucmd);
void iofd_idev_destroy(struct iofd_object *obj);

/* access.c */
void iofd_access_notify_unmap(struct io_pagetable *iopt, unsigned long iova,
			      unsigned long length);

/* fail.c */
int iofd_fail_init(void);
void iofd_fail_exit(void);

/* driver.c */
struct iofd_device *iofd_driver_probe_device(struct device *dev);

/* pci.c */
int iofd_pci_init(void);
void iofd_pci_exit(void);
void iofd_pci_release_driver(const struct iofd_driver *driver);

#endif
