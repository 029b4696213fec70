/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between the iofd core (iofd.ko) and the per-vendor IOMMU
 * drivers (iofd_mock.ko, iofd_vtd.ko, iofd_smmuv3.ko).
 *
 * A driver registers a struct iofd_driver.  Every device that userspace can
 * bind to an iommufd context is described by a struct iofd_device that the
 * driver (or the device-binding code acting for it) owns; the core never
 * frees it.  Translation state lives in struct iofd_domain objects that the
 * driver allocates on the core's request and frees through ops->free.
 *
 * Locking: the core serialises every call that changes what a device is
 * attached to (attach_dev, block_dev) with a per-device mutex it owns.  Domain
 * map/unmap calls for one domain are serialised by the owning IOAS; drivers
 * must only make them safe against concurrent DMA and concurrent attach.
 */
#ifndef _IOFD_DRIVER_H
#define _IOFD_DRIVER_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/module.h>

struct device;
struct iofd_device;
struct iofd_domain;
struct iofd_viommu;

/**
 * struct iofd_user_data - driver-specific data that came with an ioctl
 * @type: the uAPI data type (IOMMU_HWPT_DATA_*, a vIOMMU type's data)
 * @len: bytes userspace provided
 * @uptr: where they are; read with iofd_copy_user_data()
 */
struct iofd_user_data {
	u32 type;
	u32 len;
	const void __user *uptr;
};

/**
 * struct iofd_user_array - an array of driver-format entries (invalidations)
 * @type: the uAPI entry type (IOMMU_HWPT_INVALIDATE_DATA_*)
 * @entry_len: bytes per entry as userspace laid them out
 * @entry_num: in, number of entries; the driver sets it to the number of
 *	entries it handled, also on failure
 * @uptr: the first entry; read with iofd_copy_user_array_entry()
 */
struct iofd_user_array {
	u32 type;
	u32 entry_len;
	u32 entry_num;
	const void __user *uptr;
};

/*
 * Copy a driver struct of @size bytes from userspace.  -EINVAL when @type
 * does not match or fewer than @min_size bytes were given; a short struct
 * is zero-filled.  iofd_copy_user_data() and iofd_copy_user_array_entry()
 * refuse more than @size bytes with -EINVAL, as upstream's
 * iommu_copy_struct_from_user*() do for HWPT data and nested-HWPT
 * invalidations; iofd_copy_user_array_entry_ext() takes longer entries
 * with a zero tail (-E2BIG otherwise), as upstream does for vIOMMU
 * invalidation arrays.
 */
int iofd_copy_user_data(void *dst, size_t size, size_t min_size,
			const struct iofd_user_data *data, u32 type);
int iofd_copy_user_array_entry(void *dst, size_t size, size_t min_size,
			       const struct iofd_user_array *array, u32 index,
			       u32 type);
int iofd_copy_user_array_entry_ext(void *dst, size_t size, size_t min_size,
				   const struct iofd_user_array *array,
				   u32 index, u32 type);
int iofd_user_array_for_each(struct iofd_user_array *array, u32 type,
			     void *entry, size_t size, size_t min_size,
			     bool strict,
			     int (*one)(void *ctx, const void *entry),
			     void *ctx);
/* Reply into the user's data buffer, truncated to what the user gave */
int iofd_copy_to_user_data(const struct iofd_user_data *data, const void *src,
			   size_t size);

/* Values for iofd_domain.type */
enum iofd_domain_type {
	IOFD_DOMAIN_PAGING = 1,	/* kernel-managed IOVA -> PA tables */
	IOFD_DOMAIN_NESTED,	/* guest-managed stage-1 over a paging parent */
};

/* IOPTE permission bits passed to map_pages */
#define IOFD_PROT_READ		BIT(0)
#define IOFD_PROT_WRITE		BIT(1)

/* Flags of domain_alloc_paging(); same values as IOMMU_HWPT_ALLOC_* */
#define IOFD_DOMAIN_F_NEST_PARENT	BIT(0)
#define IOFD_DOMAIN_F_DIRTY_TRACKING	BIT(1)
#define IOFD_DOMAIN_F_PASID		BIT(3)

/**
 * struct iofd_domain_ops - operations on one translation domain
 * @map_pages: map @pgcount pages of @pgsize bytes each from @iova to @paddr
 *	with @prot (IOFD_PROT_*).  @pgsize is always one of the domain's
 *	@pgsize_bitmap sizes and @iova/@paddr are aligned to it.  Sets
 *	*@mapped to the bytes mapped, also on failure, so the core can undo
 *	exactly that much.  May sleep; @gfp tells how to allocate tables.
 * @unmap_pages: undo map_pages over [@iova, @iova + @pgsize * @pgcount).
 *	The core only unmaps ranges it mapped, with the same boundaries it used
 *	for map_pages or larger ones covering whole earlier calls.  Returns the
 *	bytes unmapped.  Must not fail and must not allocate.
 * @iova_to_phys: walk the domain's table; 0 when not mapped.
 * @cache_invalidate_user: nested domains: carry out the guest's cache
 *	invalidations in @array (validated and rewritten by the driver, never
 *	passed to hardware raw); set @array->entry_num to the number handled.
 * @free: free the domain; the core guarantees nothing is attached to it.
 */
struct iofd_domain_ops {
	int (*map_pages)(struct iofd_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, gfp_t gfp, size_t *mapped);
	size_t (*unmap_pages)(struct iofd_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount);
	phys_addr_t (*iova_to_phys)(struct iofd_domain *domain,
				    unsigned long iova);
	int (*cache_invalidate_user)(struct iofd_domain *domain,
				     struct iofd_user_array *array);
	void (*free)(struct iofd_domain *domain);
};

/**
 * struct iofd_domain - translation state allocated by a driver
 * @ops: the driver's domain operations
 * @driver: the driver that allocated it; attach only to its devices
 * @type: an enum iofd_domain_type value
 * @pgsize_bitmap: IOPTE sizes the table supports (bit n = 2^n bytes)
 * @aperture_start: first IOVA the domain can translate
 * @aperture_last: last IOVA the domain can translate (inclusive)
 * @owns_pasid_table: a nested domain that carries the guest's whole PASID
 *	or CD table (bind_pasid_table): attached to a RID it claims every
 *	PASID of the device too
 *
 * Drivers embed this in their own domain struct and fill every field before
 * returning it from an alloc op (paging fields may stay 0 for nested).
 */
struct iofd_domain {
	const struct iofd_domain_ops *ops;
	const struct iofd_driver *driver;
	u32 type;
	unsigned long pgsize_bitmap;
	unsigned long aperture_start;
	unsigned long aperture_last;
	bool owns_pasid_table;
};

/**
 * struct iofd_driver_ops - what a vendor driver provides to the core
 * @domain_alloc_paging: allocate an empty paging domain usable by @dev.
 *	@flags is a mask of IOFD_DOMAIN_F_*; return ERR_PTR(-EOPNOTSUPP) for a
 *	flag the driver cannot honour.
 * @attach_dev: make @domain translate @dev's DMA without PASID (@pasid ==
 *	IOFD_NO_PASID) or with @pasid.  This both attaches and replaces: when
 *	the device already uses another domain the switch must be atomic, with
 *	no moment where DMA is blocked or untranslated.  Returns -EINVAL when
 *	the domain is incompatible with the device (the core then tries another
 *	or allocates a new one).
 * @block_dev: make @dev's DMA (RID or @pasid) fault/blocked.  Cannot fail.
 * @hw_info: fill @data (at most @len bytes) with the IOMMU's capability
 *	report; return the bytes the driver has (may exceed @len) and set
 *	*@type to an IOMMU_HW_INFO_TYPE_* value, or a negative errno.
 * @domain_alloc_nested: allocate a nested domain over the nest-parent
 *	paging domain @parent from the user's @data (-EOPNOTSUPP for a type
 *	the driver does not know, -EINVAL for bad content, -EIO for guest
 *	fields the hardware must not see).
 * @viommu_size: bytes of the driver's vIOMMU struct for @type (which embeds
 *	struct iofd_viommu first), 0 when the type is not supported.
 * @viommu_init: set up @viommu (allocated by the core with viommu_size())
 *	over the nest parent @viommu->parent: take a VMID / domain ID, set
 *	@viommu->ops.  @data is NULL when userspace gave none.
 * @probe_device: optional.  Take control of a real device's DMA (a PCI
 *	device bound to iofd-pci, at its first BIND_IOMMUFD): return the
 *	driver's struct iofd_device with the device's DMA blocked, or
 *	ERR_PTR(-ENODEV) when this driver's IOMMU does not translate @dev.
 *	Called with a reference on the driver's module held.
 * @release_device: give back a device from probe_device(), nothing
 *	attached and bus mastering off: the device returns to what it had
 *	before (e.g. pass-through).  Called when the PCI device leaves
 *	iofd-pci or the driver unregisters.
 */
struct iofd_driver_ops {
	struct iofd_domain *(*domain_alloc_paging)(struct iofd_device *dev,
						   u32 flags);
	int (*attach_dev)(struct iofd_domain *domain, struct iofd_device *dev,
			  u32 pasid);
	void (*block_dev)(struct iofd_device *dev, u32 pasid);
	int (*hw_info)(struct iofd_device *dev, void *data, size_t len,
		       u32 *type);
	struct iofd_domain *(*domain_alloc_nested)(
		struct iofd_device *dev, struct iofd_domain *parent, u32 flags,
		const struct iofd_user_data *data);
	size_t (*viommu_size)(struct iofd_device *dev, u32 type);
	int (*viommu_init)(struct iofd_viommu *viommu, struct iofd_device *dev,
			   const struct iofd_user_data *data);
	struct iofd_device *(*probe_device)(struct device *dev);
	void (*release_device)(struct iofd_device *idevice);
};

/**
 * struct iofd_viommu_ops - a vIOMMU's operations, set by viommu_init
 * @destroy: release what viommu_init took (VMID, ...); the core frees the
 *	struct.  Nothing refers to the vIOMMU anymore.
 * @alloc_domain_nested: a nested domain bound to this vIOMMU (its VMID)
 * @cache_invalidate: carry out the guest's invalidation commands in
 *	@array: translate virtual IDs with iofd_viommu_find_dev(), force the
 *	vIOMMU's own VMID, refuse unknown opcodes with -EIO; set
 *	@array->entry_num to the number handled
 * @vdevice_init: @dev is now the device of virtual ID @virt_id
 * @vdevice_destroy: undo vdevice_init
 */
struct iofd_viommu_ops {
	void (*destroy)(struct iofd_viommu *viommu);
	struct iofd_domain *(*alloc_domain_nested)(
		struct iofd_viommu *viommu, struct iofd_device *dev, u32 flags,
		const struct iofd_user_data *data);
	int (*cache_invalidate)(struct iofd_viommu *viommu,
				struct iofd_user_array *array);
	int (*vdevice_init)(struct iofd_viommu *viommu, struct iofd_device *dev,
			    u64 virt_id);
	void (*vdevice_destroy)(struct iofd_viommu *viommu,
				struct iofd_device *dev, u64 virt_id);
};

/* The pasid argument value meaning "the requester ID, no PASID" */
#define IOFD_NO_PASID	U32_MAX

/**
 * struct iofd_driver - one registered vendor driver
 * @name: short name for logs
 * @owner: THIS_MODULE of the driver; the core holds a reference while any
 *	of the driver's domains exist
 * @ops: the driver's operations
 * @node: core-private list linkage
 */
struct iofd_driver {
	const char *name;
	struct module *owner;
	const struct iofd_driver_ops *ops;
	struct list_head node;
};

/**
 * struct iofd_device - a device whose DMA an iofd driver controls
 * @driver: the driver that owns the device's IOMMU
 * @dev: the struct device, or NULL for a software (mock) device
 * @max_pasid_log2: PASID width the device and IOMMU support, 0 for none
 * @capabilities: IOMMU_HW_CAP_* bits reported by IOMMU_GET_HW_INFO
 * @name: for logs
 *
 * Owned by whoever created it (a driver or the PCI binding); it must stay
 * valid until iofd_device_unbind() returns for every context it was bound
 * to.
 */
struct iofd_device {
	const struct iofd_driver *driver;
	struct device *dev;
	u32 max_pasid_log2;
	u64 capabilities;
	const char *name;
};

struct pci_dev;
/*
 * Could @pdev's DMA arrive under another requester ID (a DMA-alias quirk,
 * a conventional-PCI bridge above it)?  Drivers refuse such devices: only
 * the device's own ID gets their tables.
 */
bool iofd_pci_may_alias(struct pci_dev *pdev);

/* Host RAM at @pa for table walkers (one page at most); -EFAULT otherwise */
int iofd_read_ram(void *ctx, u64 pa, void *buf, size_t len);

int iofd_driver_register(struct iofd_driver *driver);
void iofd_driver_unregister(struct iofd_driver *driver);

#endif
