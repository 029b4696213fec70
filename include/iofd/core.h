/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the iofd core (iofd.ko) exports to the modules built on it: device
 * binding (used by the PCI binding and the mock driver), emulated-device
 * access to an IOAS, driver-owned objects in a context's ID table, and the
 * hooks the mock driver needs for IOMMU_TEST_CMD.
 *
 * Every function that takes a reference names the call that drops it.
 */
#ifndef _IOFD_CORE_H
#define _IOFD_CORE_H

#include <linux/types.h>
#include <linux/refcount.h>
#include <linux/xarray.h>
#include <iofd/driver.h>

struct file;
struct page;
struct iofd_ctx;
struct iofd_idev;
struct iofd_access;
struct iofd_hwpt_paging;

/**
 * struct iofd_object - header of everything that has an ID in a context
 * @users: 1 for the ID table plus 1 per dependent object and per
 *	in-flight lookup; the object is destroyed when it drops to zero
 * @type: the core's object type
 * @id: the ID userspace sees, allocated from 1
 */
struct iofd_object {
	refcount_t users;
	u32 type;
	u32 id;
};

/**
 * struct iofd_viommu - VIOMMU object: a guest's virtual IOMMU instance
 * @obj: header (core)
 * @ops: set by the driver's viommu_init
 * @driver: the driver (core)
 * @parent: the nest parent's paging domain, the guest's stage 2 (core)
 * @type: the IOMMU_VIOMMU_TYPE_* it was created with (core)
 * @parent_hwpt: the nest-parent HWPT object, referenced (core-private)
 * @parent_id: its object ID (core)
 * @vdevs: virtual ID -> struct iofd_vdevice, maintained by the core; a
 *	driver looks devices up with iofd_viommu_find_dev() under
 *	xa_lock(&@vdevs), which keeps the device bound while held
 *
 * Drivers embed this first in their vIOMMU struct (see viommu_size).
 */
struct iofd_viommu {
	struct iofd_object obj;
	const struct iofd_viommu_ops *ops;
	const struct iofd_driver *driver;
	struct iofd_domain *parent;
	u32 type;
	struct iofd_hwpt_paging *parent_hwpt;
	u32 parent_id;
	struct xarray vdevs;
};

/*
 * Look up a vIOMMU by ID (for test ops); NULL when @id is not a vIOMMU.
 * Release with iofd_object_put(ictx, &viommu->obj).
 */
struct iofd_viommu *iofd_viommu_get(struct iofd_ctx *ictx, u32 id);

/* The device behind virtual ID @virt_id; caller holds xa_lock(&vdevs) */
struct iofd_device *iofd_viommu_find_dev(struct iofd_viommu *viommu,
					 unsigned long virt_id);

/**
 * struct iofd_ucmd - one ioctl call being handled
 * @ictx: the context the ioctl was issued on
 * @ubuffer: userspace's copy of the command struct
 * @user_size: the size userspace declared in the struct's first field
 * @cmd: the kernel copy, zero-extended to the kernel's struct size
 */
struct iofd_ucmd {
	struct iofd_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int iofd_ucmd_respond(struct iofd_ucmd *ucmd, size_t cmd_len);

/* Objects that a driver module keeps in a context's ID table */
struct iofd_driver_object {
	struct iofd_object obj;
	void (*destroy)(struct iofd_driver_object *dobj);
};

/*
 * Two-phase creation: alloc reserves an ID nobody can look up yet;
 * finalize publishes it, abort frees it without calling ->destroy.
 */
struct iofd_driver_object *
iofd_driver_object_alloc(struct iofd_ctx *ictx, size_t size,
			 void (*destroy)(struct iofd_driver_object *dobj));
void iofd_driver_object_finalize(struct iofd_ctx *ictx,
				 struct iofd_driver_object *dobj);
void iofd_driver_object_abort(struct iofd_ctx *ictx,
			      struct iofd_driver_object *dobj);
/* Takes a lookup reference, dropped by iofd_object_put() */
struct iofd_driver_object *
iofd_driver_object_get(struct iofd_ctx *ictx, u32 id,
		       void (*destroy)(struct iofd_driver_object *dobj));
void iofd_object_put(struct iofd_ctx *ictx, struct iofd_object *obj);

/* Device binding, shared by the PCI binding and the mock driver */
struct iofd_idev *iofd_device_bind(struct iofd_ctx *ictx,
				   struct iofd_device *dev, u32 *out_id);
void iofd_device_unbind(struct iofd_idev *idev);
int iofd_device_attach(struct iofd_idev *idev, u32 pasid, u32 *pt_id);
int iofd_device_replace(struct iofd_idev *idev, u32 pasid, u32 *pt_id);
void iofd_device_detach(struct iofd_idev *idev, u32 pasid);
/*
 * The domain currently attached to @idev's RID or @pasid, and the ID of its
 * HWPT (0 when blocked); for tests that check what hardware would use.
 */
int iofd_device_attached_hwpt(struct iofd_idev *idev, u32 pasid, u32 *hwpt_id);

/* Takes a reference on the context behind an open /dev/iommu file */
struct iofd_ctx *iofd_ctx_from_file(struct file *file);
void iofd_ctx_put(struct iofd_ctx *ictx);

/*
 * The domain of a paging HWPT, for tests that inspect a mock table.  Holds
 * a lookup reference on the HWPT: release with iofd_object_put(*@objp).
 */
struct iofd_domain *iofd_hwpt_get_domain(struct iofd_ctx *ictx, u32 hwpt_id,
					 struct iofd_object **objp);

/* Emulated-device (CPU) access to an IOAS, as a mediated driver would do */
struct iofd_access_ops {
	/*
	 * Called when IOVA in [@iova, @iova + @length) is being unmapped: the
	 * access must unpin everything it pinned there before returning.
	 */
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
};

#define IOFD_ACCESS_RW_WRITE	BIT(0)

struct iofd_access *iofd_access_create(struct iofd_ctx *ictx,
				       const struct iofd_access_ops *ops,
				       void *data);
void iofd_access_destroy(struct iofd_access *access);
int iofd_access_attach(struct iofd_access *access, u32 ioas_id);
int iofd_access_replace(struct iofd_access *access, u32 ioas_id);
void iofd_access_detach(struct iofd_access *access);
/*
 * Fills @out_pages with the pinned pages behind [@iova, @iova + @length);
 * @iova need not be page aligned.  Undo with iofd_access_unpin_pages() with
 * the same range.
 */
int iofd_access_pin_pages(struct iofd_access *access, unsigned long iova,
			  unsigned long length, struct page **out_pages,
			  unsigned int flags);
void iofd_access_unpin_pages(struct iofd_access *access, unsigned long iova,
			     unsigned long length);
int iofd_access_rw(struct iofd_access *access, unsigned long iova, void *data,
		   size_t length, unsigned int flags);

/* IOMMU_TEST_CMD is handled by the mock driver when it is loaded */
int iofd_test_cmd_register(int (*handler)(struct iofd_ucmd *ucmd),
			   struct module *owner);
void iofd_test_cmd_unregister(void);
int iofd_test_add_reserved(struct iofd_ctx *ictx, u32 ioas_id,
			   unsigned long start, unsigned long length);
/* Caps how many pages one pin call may take; 0 restores the default */
void iofd_test_set_pin_batch(unsigned int pages);

/*
 * Failure injection.  iofd_fail_nth_set(n) makes the n-th failure point the
 * calling task reaches from now on fail (n == 0 disarms); the return of
 * iofd_fail_nth_remaining() is 0 once it has fired.
 */
int iofd_fail_nth_set(unsigned int nth);
unsigned int iofd_fail_nth_remaining(void);
bool iofd_should_fail(void);

#endif
