/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iofd-oot: the iommufd user API on /dev/iommu.
 *
 * Binary compatible with the iommufd uAPI header of upstream Linux v6.17
 * (include/uapi/linux/): the ioctl type and numbers, every structure layout
 * and every flag and enum value are the same. A program built against the
 * upstream header works unchanged against this one, and the reverse holds
 * for everything upstream defines. Additions made by iofd-oot are listed in
 * the "iofd-oot extensions" section at the end of the file.
 */
#ifndef _UAPI_IOMMUFD_H
#define _UAPI_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_TYPE (';')

/**
 * DOC: General ioctl format
 *
 * Every ioctl takes a pointer to a command structure whose first member is a
 * __u32 holding the number of bytes userspace passes. The kernel reads the
 * structure with "size first" rules, which lets a structure grow in later
 * releases without breaking old binaries or old kernels:
 *
 *  - A size smaller than the structure the kernel knows is accepted as long
 *    as it covers every field of the first version of that command; the
 *    missing tail is treated as zero.
 *  - A size larger than the structure the kernel knows is accepted only if
 *    every byte past the known structure is zero.
 *
 * Output fields are written back only up to the size userspace passed.
 *
 * Errno values have a fixed meaning for all commands:
 *
 *  - ENOTTY: the ioctl number is not a command this kernel implements.
 *  - E2BIG: the command exists, but the bytes beyond the structure the kernel
 *    knows are not all zero.
 *  - EOPNOTSUPP: the structure was parsed, but a flag, a type or another
 *    enumerated value is unknown or unsupported here, or a reserved field is
 *    not zero.
 *  - EINVAL: everything was understood, but a value is wrong (a bad
 *    alignment, a range that does not fit, a size below the first version
 *    of the command, an object whose type selects what the command does
 *    but is not one it can work on, ...).
 *  - ENOENT: an object ID that names no object, or no object of the one
 *    type the command expects; an IOVA that is not mapped.
 *  - ENOMEM: a kernel allocation failed.
 *  - EOVERFLOW: an arithmetic computation on user values (such as
 *    iova + length) overflowed.
 *  - EBUSY: the object is still used by another object or by a device, or
 *    the resource is already taken.
 *  - EIO: data that describes guest state (a guest stream table entry, a
 *    guest invalidation command, ...) is malformed or uses something the
 *    kernel refuses to pass on.
 *
 * A command may document further errno values of its own.
 */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
};

/**
 * struct iommu_destroy - ioctl(IOMMU_DESTROY)
 * @size: in, sizeof(struct iommu_destroy)
 * @id: in, ID of the object to destroy; any object type is accepted
 *
 * Remove one object from the iommufd and free it. Fails with EBUSY while
 * another object or a device still depends on it, and with ENOENT if @id
 * names no object.
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/**
 * struct iommu_ioas_alloc - ioctl(IOMMU_IOAS_ALLOC)
 * @size: in, sizeof(struct iommu_ioas_alloc)
 * @flags: in, must be 0
 * @out_ioas_id: out, ID of the new IOAS
 *
 * Create an I/O address space (IOAS): a table that maps ranges of I/O
 * virtual addresses (IOVA) to user memory. The kernel builds the hardware
 * page tables of attached devices from it.
 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/**
 * struct iommu_iova_range - one IOVA interval
 * @start: first IOVA of the interval
 * @last: last IOVA of the interval, inclusive
 *
 * Element of the arrays used by IOMMU_IOAS_IOVA_RANGES and
 * IOMMU_IOAS_ALLOW_IOVAS.
 */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct iommu_ioas_iova_ranges - ioctl(IOMMU_IOAS_IOVA_RANGES)
 * @size: in, sizeof(struct iommu_ioas_iova_ranges)
 * @ioas_id: in, IOAS to query
 * @num_iovas: in, number of elements @allowed_iovas can hold; out, number
 *             of ranges the IOAS currently has
 * @__reserved: must be 0
 * @allowed_iovas: in, user pointer to an array of struct iommu_iova_range
 *                 that the kernel fills
 * @out_iova_alignment: out, the IOVA alignment MAP and COPY require
 *
 * Report the IOVA ranges in which mappings may currently be placed. The
 * usable space depends on the devices attached to the IOAS: a new IOAS
 * allows the whole space, each attach may remove what that device cannot
 * reach and each detach may give it back, so query again after attach or
 * detach.
 *
 * If @num_iovas on input is smaller than the number of ranges, the kernel
 * writes the needed count into @num_iovas and fails with EMSGSIZE; retry
 * with a larger array. @out_iova_alignment is between 1 (any IOVA) and
 * PAGE_SIZE; both the start IOVA and start + length of a MAP or COPY must
 * be multiples of it.
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/**
 * struct iommu_ioas_allow_iovas - ioctl(IOMMU_IOAS_ALLOW_IOVAS)
 * @size: in, sizeof(struct iommu_ioas_allow_iovas)
 * @ioas_id: in, IOAS to change
 * @num_iovas: in, number of elements in @allowed_iovas
 * @__reserved: must be 0
 * @allowed_iovas: in, user pointer to an array of struct iommu_iova_range
 *
 * Promise that the given IOVA ranges stay usable. The list replaces any
 * previous one. Once set, attaching a device that cannot reach part of an
 * allowed range fails, so IOMMU_IOAS_IOVA_RANGES never reports less than
 * these ranges. The call itself fails if the IOAS is already narrower than
 * the requested ranges. When the kernel picks an IOVA for MAP it only picks
 * inside the allowed ranges, if any are set.
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/**
 * enum iommufd_ioas_map_flags - flags of MAP, MAP_FILE and COPY
 * @IOMMU_IOAS_MAP_FIXED_IOVA: the caller gives the IOVA; without it the
 *                             kernel chooses one and returns it
 * @IOMMU_IOAS_MAP_WRITEABLE: devices may write through the mapping
 * @IOMMU_IOAS_MAP_READABLE: devices may read through the mapping
 */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/**
 * struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)
 * @size: in, sizeof(struct iommu_ioas_map)
 * @flags: in, combination of enum iommufd_ioas_map_flags
 * @ioas_id: in, IOAS to add the mapping to
 * @__reserved: must be 0
 * @user_va: in, start of the user memory to map
 * @length: in, number of bytes to map
 * @iova: in with IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at; out, the
 *        IOVA the mapping was placed at
 *
 * Pin user memory and map it into the IOAS. With FIXED_IOVA the whole IOVA
 * range must be free; an existing mapping is never replaced. Without it the
 * kernel picks a free, suitably aligned IOVA inside the allowed ranges.
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/**
 * struct iommu_ioas_map_file - ioctl(IOMMU_IOAS_MAP_FILE)
 * @size: in, sizeof(struct iommu_ioas_map_file)
 * @flags: in, as in struct iommu_ioas_map
 * @ioas_id: in, as in struct iommu_ioas_map
 * @fd: in, file descriptor of the memfd that holds the memory
 * @start: in, byte offset in the file where the mapping begins
 * @length: in, as in struct iommu_ioas_map
 * @iova: in/out, as in struct iommu_ioas_map
 *
 * Same as IOMMU_IOAS_MAP, except that the memory is named by a memfd and
 * an offset instead of a user virtual address.
 */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/**
 * struct iommu_ioas_copy - ioctl(IOMMU_IOAS_COPY)
 * @size: in, sizeof(struct iommu_ioas_copy)
 * @flags: in, combination of enum iommufd_ioas_map_flags
 * @dst_ioas_id: in, IOAS that receives the new mapping
 * @src_ioas_id: in, IOAS that holds the existing mapping
 * @length: in, number of bytes to copy
 * @dst_iova: in with IOMMU_IOAS_MAP_FIXED_IOVA, the destination IOVA; out,
 *            the IOVA the new mapping was placed at
 * @src_iova: in, start of the existing mapping in the source IOAS
 *
 * Map in @dst_ioas_id the same memory that a range of @src_ioas_id maps.
 * The source range must be exactly one range made by MAP (or MAP_FILE).
 * The pages are already pinned, so no new pin or accounting happens; this
 * is cheaper than a second MAP of the same memory.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/**
 * struct iommu_ioas_unmap - ioctl(IOMMU_IOAS_UNMAP)
 * @size: in, sizeof(struct iommu_ioas_unmap)
 * @ioas_id: in, IOAS to remove mappings from
 * @iova: in, first IOVA of the range to unmap
 * @length: in, length of the range; out, number of bytes actually unmapped
 *
 * Remove every mapping that lies inside [@iova, @iova + @length). A mapping
 * that only partly overlaps the range is not split: the call fails instead.
 * @iova = 0 with @length = U64_MAX removes everything.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/**
 * enum iommufd_option - option selected by struct iommu_option
 * @IOMMU_OPTION_RLIMIT_MODE: how pinned memory is charged to
 *                            RLIMIT_MEMLOCK: 0 (default) per user, 1 per
 *                            process. Global, @object_id must be 0; setting
 *                            it needs privilege.
 * @IOMMU_OPTION_HUGE_PAGES: per IOAS (@object_id is the IOAS ID). 1
 *                           (default) lets contiguous pages be mapped with
 *                           large IOMMU pages, 0 maps everything in
 *                           PAGE_SIZE units (useful for tests and
 *                           benchmarks).
 */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

/**
 * enum iommufd_option_ops - what struct iommu_option does
 * @IOMMU_OPTION_OP_SET: store @val64 into the option
 * @IOMMU_OPTION_OP_GET: return the option in @val64
 */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/**
 * struct iommu_option - ioctl(IOMMU_OPTION)
 * @size: in, sizeof(struct iommu_option)
 * @option_id: in, one of enum iommufd_option
 * @op: in, one of enum iommufd_option_ops
 * @__reserved: must be 0
 * @object_id: in, the object the option belongs to, or 0 for a global one
 * @val64: in for SET, the new value; out for GET, the current value
 *
 * Read or change one small setting, global or per object.
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/**
 * enum iommufd_vfio_ioas_op - operation of struct iommu_vfio_ioas
 * @IOMMU_VFIO_IOAS_GET: return the IOAS used for VFIO compatibility
 * @IOMMU_VFIO_IOAS_SET: choose the IOAS used for VFIO compatibility
 * @IOMMU_VFIO_IOAS_CLEAR: forget the compatibility IOAS
 */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/**
 * struct iommu_vfio_ioas - ioctl(IOMMU_VFIO_IOAS)
 * @size: in, sizeof(struct iommu_vfio_ioas)
 * @ioas_id: in for SET, the IOAS to use; out for GET, the IOAS in use
 * @op: in, one of enum iommufd_vfio_ioas_op
 * @__reserved: must be 0
 *
 * The VFIO type1 container API has no object IDs, so an iommufd used as a
 * VFIO container works on one IOAS. This command reads or sets that IOAS.
 * If none is set when the container is first used, one is created. Once a
 * container uses an IOAS it keeps it; SET and CLEAR only affect later
 * users and never destroy an IOAS that was created automatically.
 */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/**
 * enum iommufd_hwpt_alloc_flags - flags of struct iommu_hwpt_alloc
 * @IOMMU_HWPT_ALLOC_NEST_PARENT: the new paging HWPT may later serve as the
 *                                stage-2 parent of nested HWPTs or vIOMMUs
 * @IOMMU_HWPT_ALLOC_DIRTY_TRACKING: the HWPT must support dirty tracking;
 *                                   attaching a device whose IOMMU cannot
 *                                   track dirty pages fails
 * @IOMMU_HWPT_FAULT_ID_VALID: @fault_id names a fault queue that receives
 *                             the I/O page faults of this HWPT
 * @IOMMU_HWPT_ALLOC_PASID: the HWPT may be attached to PASIDs of a device.
 *                          A device with PASID attachments needs such HWPTs
 *                          on its non-PASID side too, otherwise the PASID
 *                          attach is refused; for this reason attaching an
 *                          IOAS directly is not advised in that setup. An
 *                          IOMMU without PASID support answers EOPNOTSUPP.
 */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

/**
 * enum iommu_hwpt_vtd_s1_flags - attributes of an Intel VT-d stage-1 table
 * @IOMMU_VTD_S1_SRE: supervisor requests are allowed
 * @IOMMU_VTD_S1_EAFE: extended accessed flag is enabled
 * @IOMMU_VTD_S1_WPE: write protection is enforced for supervisor requests
 */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

/**
 * struct iommu_hwpt_vtd_s1 - Intel VT-d guest stage-1 table
 *                            (IOMMU_HWPT_DATA_VTD_S1)
 * @flags: in, combination of enum iommu_hwpt_vtd_s1_flags
 * @pgtbl_addr: in, guest physical address of the stage-1 table root
 * @addr_width: in, input address width of the stage-1 table, in bits
 * @__reserved: must be 0
 *
 * Payload of IOMMU_HWPT_ALLOC for a nested HWPT on VT-d. The table lives in
 * guest memory and is walked by hardware through the stage-2 parent.
 */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/**
 * struct iommu_hwpt_arm_smmuv3 - Arm SMMUv3 guest stream table entry
 *                                (IOMMU_HWPT_DATA_ARM_SMMUV3)
 * @ste: in, the first two 64-bit words of the guest's STE, little-endian
 *
 * Payload of IOMMU_HWPT_ALLOC for a nested HWPT on SMMUv3. Only these STE
 * fields may be set (SMMUv3 architecture, "Stream Table Entry"):
 * word 0: V, Cfg, S1Fmt, S1ContextPtr, S1CDMax; word 1: EATS, S1DSS, S1CIR,
 * S1COR, S1CSH, S1STALLD. Anything else, or an invalid combination, fails
 * with EIO.
 *
 * Cfg selects abort, bypass or stage 1. A bypass nested HWPT translates like
 * its parent. A stage-1 one points the hardware at a guest context
 * descriptor table whose address is translated by the parent.
 */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

/**
 * enum iommu_hwpt_data_type - format of the IOMMU_HWPT_ALLOC payload
 * @IOMMU_HWPT_DATA_NONE: no payload; a kernel-managed (paging) HWPT
 * @IOMMU_HWPT_DATA_VTD_S1: struct iommu_hwpt_vtd_s1
 * @IOMMU_HWPT_DATA_ARM_SMMUV3: struct iommu_hwpt_arm_smmuv3
 */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
};

/**
 * struct iommu_hwpt_alloc - ioctl(IOMMU_HWPT_ALLOC)
 * @size: in, sizeof(struct iommu_hwpt_alloc)
 * @flags: in, combination of enum iommufd_hwpt_alloc_flags
 * @dev_id: in, bound device the HWPT is made for (selects the IOMMU)
 * @pt_id: in, an IOAS for a paging HWPT; a paging HWPT made with
 *         IOMMU_HWPT_ALLOC_NEST_PARENT, or a vIOMMU, for a nested HWPT
 * @out_hwpt_id: out, ID of the new HWPT
 * @__reserved: must be 0
 * @data_type: in, one of enum iommu_hwpt_data_type
 * @data_len: in, length of the payload at @data_uptr
 * @data_uptr: in, user pointer to the driver-specific payload
 * @fault_id: in, ID of a fault queue (IOMMU_FAULT_QUEUE_ALLOC); used only
 *            with IOMMU_HWPT_FAULT_ID_VALID
 * @__reserved2: must be 0 (padding)
 *
 * Create a hardware page table (HWPT), the object that stands for an IOMMU
 * translation domain.
 *
 * With @data_type IOMMU_HWPT_DATA_NONE the HWPT is kernel managed: its
 * contents follow the IOAS given in @pt_id, and @data_len and @data_uptr
 * must be zero.
 *
 * With any other @data_type the HWPT is user managed (nested): its stage-1
 * table belongs to the guest and is described by the payload, and stage 2
 * is the parent named by @pt_id. The device and the vIOMMU must sit behind
 * the same physical IOMMU. After changing a user-managed table, userspace
 * flushes caches with IOMMU_HWPT_INVALIDATE.
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/**
 * enum iommu_hw_info_vtd_flags - flags of struct iommu_hw_info_vtd
 * @IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17: read-only mappings must not be
 *                                         used in a nest-parent HWPT on
 *                                         this IOMMU (Intel erratum 772415,
 *                                         Sapphire Rapids)
 */
enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

/**
 * struct iommu_hw_info_vtd - Intel VT-d information
 *                            (IOMMU_HW_INFO_TYPE_INTEL_VTD)
 * @flags: out, combination of enum iommu_hw_info_vtd_flags
 * @__reserved: out, 0
 * @cap_reg: out, the Capability Register (VT-d specification)
 * @ecap_reg: out, the Extended Capability Register (VT-d specification)
 *
 * Raw register values; decoding them is left to the VMM.
 */
struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/**
 * struct iommu_hw_info_arm_smmuv3 - Arm SMMUv3 information
 *                                   (IOMMU_HW_INFO_TYPE_ARM_SMMUV3)
 * @flags: out, 0
 * @__reserved: out, 0
 * @idr: out, SMMU_IDR0 to SMMU_IDR5
 * @iidr: out, SMMU_IIDR (implementer and revision)
 * @aidr: out, SMMU_AIDR (architecture version)
 *
 * Raw register values. A VMM should only rely on these fields:
 *
 *  - IDR0: ST_LEVEL, TERM_MODEL, STALL_MODEL, TTENDIAN, CD2L, ASID16, TTF
 *  - IDR1: SIDSIZE, SSIDSIZE
 *  - IDR3: BBML, RIL
 *  - IDR5: VAX, GRAN64K, GRAN16K, GRAN4K
 *
 * Other bits may change meaning as support grows and must be ignored. S1P
 * is implied when a nested HWPT can be created; coherent access (COHACC) is
 * implied, as only coherent SMMUs are supported; ATS is a property of each
 * device, to be described by the VMM in its firmware tables. Nesting does
 * not support HTTU, BTM or MPAM.
 */
struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

/**
 * struct iommu_hw_info_tegra241_cmdqv - NVIDIA Tegra241 CMDQV information
 *                                       (IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV)
 * @flags: out, 0
 * @version: out, CMDQV version (PARAM bits 3:0)
 * @log2vcmdqs: out, log2 of the number of virtual command queues (PARAM
 *              bits 7:4)
 * @log2vsids: out, log2 of the number of stream ID replacements (PARAM
 *             bits 15:12)
 * @__reserved: out, 0
 *
 * Values ready to be put in an emulated PARAM register. A VM should see a
 * single virtual interface, so the emulated PARAM bits 11:8 (log2 of the
 * number of VINTFs) should read 0.
 */
struct iommu_hw_info_tegra241_cmdqv {
	__u32 flags;
	__u8 version;
	__u8 log2vcmdqs;
	__u8 log2vsids;
	__u8 __reserved;
};

/**
 * enum iommu_hw_info_type - format of the IOMMU_GET_HW_INFO data
 * @IOMMU_HW_INFO_TYPE_NONE: out, the driver reports no data
 * @IOMMU_HW_INFO_TYPE_DEFAULT: in, let the driver pick its main format
 * @IOMMU_HW_INFO_TYPE_INTEL_VTD: struct iommu_hw_info_vtd
 * @IOMMU_HW_INFO_TYPE_ARM_SMMUV3: struct iommu_hw_info_arm_smmuv3
 * @IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV: struct iommu_hw_info_tegra241_cmdqv
 */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
};

/**
 * enum iommufd_hw_capabilities - generic bits of @out_capabilities
 * @IOMMU_HW_CAP_DIRTY_TRACKING: the IOMMU can track dirty pages, so
 *                               IOMMU_HWPT_SET_DIRTY_TRACKING and
 *                               IOMMU_HWPT_GET_DIRTY_BITMAP work
 * @IOMMU_HW_CAP_PCI_PASID_EXEC: the PCI device supports the PASID Execute
 *                               Requested bit; meaningless when
 *                               @out_max_pasid_log2 is 0
 * @IOMMU_HW_CAP_PCI_PASID_PRIV: the PCI device supports the PASID
 *                               Privileged Mode Requested bit; meaningless
 *                               when @out_max_pasid_log2 is 0
 */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

/**
 * enum iommufd_hw_info_flags - flags of struct iommu_hw_info
 * @IOMMU_HW_INFO_FLAG_INPUT_TYPE: @in_data_type carries the format the
 *                                 caller asks for
 */
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/**
 * struct iommu_hw_info - ioctl(IOMMU_GET_HW_INFO)
 * @size: in, sizeof(struct iommu_hw_info)
 * @flags: in, combination of enum iommufd_hw_info_flags
 * @dev_id: in, a device bound to this iommufd
 * @data_len: in, size of the buffer at @data_uptr; out, size of the data
 *            the kernel has for the reported type
 * @data_uptr: in, user pointer to the buffer for the driver-specific data
 * @in_data_type: in, with IOMMU_HW_INFO_FLAG_INPUT_TYPE, the wanted format
 *                (enum iommu_hw_info_type); ignored (taken as DEFAULT)
 *                without that flag. Shares its storage with @out_data_type.
 * @out_data_type: out, format of the data written (enum iommu_hw_info_type)
 * @out_max_pasid_log2: out, number of PASID bits the device and its IOMMU
 *                      support; 0 means no PASID
 * @__reserved: must be 0
 * @out_capabilities: out, combination of enum iommufd_hw_capabilities
 *
 * Describe the IOMMU in front of a device, so that a VMM can model a virtual
 * IOMMU the hardware can back (for example a guest stage-1 format the
 * physical IOMMU can walk in nested mode).
 *
 * The kernel writes at most @data_len bytes. If the buffer is larger than
 * the data, the rest is zeroed. On return @data_len holds the full size of
 * the data, which lets a caller with a short buffer know what to allocate.
 * A @data_len of 0 is allowed.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/**
 * enum iommufd_hwpt_set_dirty_tracking_flags - flags of
 *                                              IOMMU_HWPT_SET_DIRTY_TRACKING
 * @IOMMU_HWPT_DIRTY_TRACKING_ENABLE: turn tracking on; without it, off
 */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/**
 * struct iommu_hwpt_set_dirty_tracking - ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING)
 * @size: in, sizeof(struct iommu_hwpt_set_dirty_tracking)
 * @flags: in, combination of enum iommufd_hwpt_set_dirty_tracking_flags
 * @hwpt_id: in, a paging HWPT
 * @__reserved: must be 0
 *
 * Start or stop recording which pages devices write through @hwpt_id.
 */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, \
					  IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/**
 * enum iommufd_hwpt_get_dirty_bitmap_flags - flags of
 *                                            IOMMU_HWPT_GET_DIRTY_BITMAP
 * @IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: report dirty pages but leave the
 *                                        dirty state in the page table as
 *                                        it is (for example when the range
 *                                        is about to be unmapped anyway)
 */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/**
 * struct iommu_hwpt_get_dirty_bitmap - ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP)
 * @size: in, sizeof(struct iommu_hwpt_get_dirty_bitmap)
 * @hwpt_id: in, a paging HWPT with dirty tracking
 * @flags: in, combination of enum iommufd_hwpt_get_dirty_bitmap_flags
 * @__reserved: must be 0
 * @iova: in, IOVA that bit 0 of the bitmap stands for
 * @length: in, number of bytes of IOVA to report
 * @page_size: in, number of IOVA bytes each bit stands for
 * @data: in, user pointer to the bitmap (an array of __u64) the kernel sets
 *        bits in
 *
 * Walk the IOMMU page table over [@iova, @iova + @length) and set one bit
 * per dirty @page_size unit. The bit for address A is bit
 * ((A - @iova) / @page_size) % 64 of word ((A - @iova) / @page_size) / 64.
 * Unless NO_CLEAR is given, the dirty state read is cleared in the table.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, \
					IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/**
 * enum iommu_hwpt_invalidate_data_type - format of the IOMMU_HWPT_INVALIDATE
 *                                        array entries
 * @IOMMU_HWPT_INVALIDATE_DATA_VTD_S1: struct iommu_hwpt_vtd_s1_invalidate,
 *                                     for a VT-d nested HWPT
 * @IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3: struct
 *                                           iommu_viommu_arm_smmuv3_invalidate,
 *                                           for an SMMUv3 vIOMMU
 */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/**
 * enum iommu_hwpt_vtd_s1_invalidate_flags - flags of
 *                                           struct iommu_hwpt_vtd_s1_invalidate
 * @IOMMU_VTD_INV_FLAGS_LEAF: only leaf entries changed, so paging-structure
 *                            caches of upper levels may be kept
 */
enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

/**
 * struct iommu_hwpt_vtd_s1_invalidate - one Intel VT-d stage-1 invalidation
 *                                       (IOMMU_HWPT_INVALIDATE_DATA_VTD_S1)
 * @addr: in, first address to invalidate, 4 KiB aligned
 * @npages: in, number of 4 KiB pages to invalidate
 * @flags: in, combination of enum iommu_hwpt_vtd_s1_invalidate_flags
 * @__reserved: must be 0
 *
 * Tells the kernel which part of a guest stage-1 table changed. @addr = 0
 * with @npages = U64_MAX means the whole table. Device TLBs (ATS) are
 * flushed along with the IOMMU caches.
 */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/**
 * struct iommu_viommu_arm_smmuv3_invalidate - one Arm SMMUv3 guest command
 *         (IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3)
 * @cmd: in, a 128-bit SMMUv3 command queue entry, little-endian
 *
 * Accepted opcodes, when the target is a vIOMMU: CMDQ_OP_TLBI_NSNH_ALL,
 * CMDQ_OP_TLBI_NH_VA, CMDQ_OP_TLBI_NH_VAA, CMDQ_OP_TLBI_NH_ALL,
 * CMDQ_OP_TLBI_NH_ASID, CMDQ_OP_ATC_INV, CMDQ_OP_CFGI_CD and
 * CMDQ_OP_CFGI_CD_ALL. The kernel rewrites host-owned fields (VMID, the
 * virtual StreamID into the physical one) before issuing the command. Any
 * other opcode fails with EIO.
 */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/**
 * struct iommu_hwpt_invalidate - ioctl(IOMMU_HWPT_INVALIDATE)
 * @size: in, sizeof(struct iommu_hwpt_invalidate)
 * @hwpt_id: in, a nested HWPT or a vIOMMU
 * @data_uptr: in, user pointer to the array of requests
 * @data_type: in, one of enum iommu_hwpt_invalidate_data_type; the format
 *             of every entry, which @hwpt_id must support
 * @entry_len: in, size in bytes of one entry
 * @entry_num: in, number of entries; out, number of entries handled
 * @__reserved: must be 0
 *
 * Flush caches after userspace changed a table it manages. Through a
 * nested HWPT this covers the IOTLB of that HWPT. Through a vIOMMU it can
 * also cover caches that belong to the vIOMMU, such as device TLBs and
 * descriptor caches.
 *
 * The array holds @entry_num entries of @entry_len bytes each. They are
 * processed in order; on error @entry_num tells how many completed. With
 * @entry_num = 0 nothing is read and the call only checks that @data_type
 * is supported.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/**
 * enum iommu_hwpt_pgfault_flags - flags of struct iommu_hwpt_pgfault
 * @IOMMU_PGFAULT_FLAGS_PASID_VALID: @pasid holds a valid PASID
 * @IOMMU_PGFAULT_FLAGS_LAST_PAGE: this is the last fault of its group
 */
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),
};

/**
 * enum iommu_hwpt_pgfault_perm - access bits of struct iommu_hwpt_pgfault
 * @IOMMU_PGFAULT_PERM_READ: the device wants to read
 * @IOMMU_PGFAULT_PERM_WRITE: the device wants to write
 * @IOMMU_PGFAULT_PERM_EXEC: the request carried a PASID prefix with
 *                           Execute Requested set (PCIe)
 * @IOMMU_PGFAULT_PERM_PRIV: the request carried a PASID prefix with
 *                           Privileged Mode Requested set (PCIe)
 */
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2),
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3),
};

/**
 * struct iommu_hwpt_pgfault - one I/O page fault, read from a fault queue
 * @flags: out, combination of enum iommu_hwpt_pgfault_flags
 * @dev_id: out, ID of the bound device that faulted
 * @pasid: out, PASID of the request, if IOMMU_PGFAULT_FLAGS_PASID_VALID
 * @grpid: out, page request group index
 * @perm: out, combination of enum iommu_hwpt_pgfault_perm
 * @__reserved: out, 0
 * @addr: out, faulting address
 * @length: out, how many bytes the device expects to access from @addr, as
 *          a hint for pre-faulting; 0 when unknown
 * @cookie: out, kernel tag of the fault group; the response for the group
 *          must echo the cookie of the group's last fault
 */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/**
 * enum iommufd_page_response_code - result of handling a fault group
 * @IOMMUFD_PAGE_RESP_SUCCESS: the tables were fixed; the device retries
 *                             (PCIe page response "Success")
 * @IOMMUFD_PAGE_RESP_INVALID: the fault cannot be resolved; the device must
 *                             not retry (PCIe "Invalid Request")
 */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/**
 * struct iommu_hwpt_page_response - answer to a fault group, written to a
 *                                   fault queue
 * @cookie: in, @cookie of the group's last struct iommu_hwpt_pgfault
 * @code: in, one of enum iommufd_page_response_code
 */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/**
 * struct iommu_fault_alloc - ioctl(IOMMU_FAULT_QUEUE_ALLOC)
 * @size: in, sizeof(struct iommu_fault_alloc)
 * @flags: in, must be 0
 * @out_fault_id: out, ID of the new fault queue
 * @out_fault_fd: out, file descriptor of the new fault queue
 *
 * Create a queue that delivers I/O page faults to userspace. Faults are
 * read from @out_fault_fd as struct iommu_hwpt_pgfault records, and answers
 * are written to it as struct iommu_hwpt_page_response records. HWPTs are
 * connected to the queue with @fault_id at IOMMU_HWPT_ALLOC time.
 */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/**
 * enum iommu_viommu_type - kind of virtual IOMMU
 * @IOMMU_VIOMMU_TYPE_DEFAULT: reserved
 * @IOMMU_VIOMMU_TYPE_ARM_SMMUV3: Arm SMMUv3
 * @IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV: Arm SMMUv3 with the NVIDIA Tegra241
 *                                    CMDQV extension. The kernel backs the
 *                                    vIOMMU with a virtual interface owned by
 *                                    the guest, so the VMM must present the
 *                                    guest VINTF_CONFIG HYP_OWN bit as 0 or
 *                                    the virtual command queues will not work.
 */
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/**
 * struct iommu_viommu_tegra241_cmdqv - Tegra241 CMDQV vIOMMU data
 *                                      (IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV)
 * @out_vintf_mmap_offset: out, mmap() offset of the VINTF page 0
 * @out_vintf_mmap_length: out, mmap() length of the VINTF page 0
 *
 * Mapping this page from the iommufd lets the VMM expose it to the guest,
 * which then drives its virtual command queues directly.
 */
struct iommu_viommu_tegra241_cmdqv {
	__aligned_u64 out_vintf_mmap_offset;
	__aligned_u64 out_vintf_mmap_length;
};

/**
 * struct iommu_viommu_alloc - ioctl(IOMMU_VIOMMU_ALLOC)
 * @size: in, sizeof(struct iommu_viommu_alloc)
 * @flags: in, must be 0
 * @type: in, one of enum iommu_viommu_type
 * @dev_id: in, a bound device; its physical IOMMU backs the vIOMMU
 * @hwpt_id: in, a paging HWPT made with IOMMU_HWPT_ALLOC_NEST_PARENT; it
 *           becomes the stage 2 of the vIOMMU
 * @out_viommu_id: out, ID of the new vIOMMU
 * @data_len: in, length of the type-specific data at @data_uptr
 * @__reserved: must be 0
 * @data_uptr: in, user pointer to type-specific data, which may also
 *             receive outputs
 *
 * Create a virtual IOMMU: the share of one physical IOMMU given to one VM.
 * It holds what is global to the VM on that IOMMU rather than tied to a
 * device: the namespace of guest cache tags (such as the VMID), guest
 * device IDs (through vDEVICEs), events not tied to a device, the shared
 * stage-2 table, paravirtual invalidation, and hardware queues or
 * interrupts assigned to the VM.
 */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/**
 * struct iommu_vdevice_alloc - ioctl(IOMMU_VDEVICE_ALLOC)
 * @size: in, sizeof(struct iommu_vdevice_alloc)
 * @viommu_id: in, the vIOMMU the device is presented behind
 * @dev_id: in, the bound physical device
 * @out_vdevice_id: out, ID of the new vDEVICE
 * @virt_id: in, the ID the guest uses for the device on that vIOMMU (vSID
 *           on SMMUv3, vRID on VT-d, vDeviceID on AMD)
 *
 * Tell the kernel how the guest names a physical device, so guest commands
 * and events can be translated. Destroy the vDEVICE before unbinding the
 * device; otherwise the kernel tears it down with the device and its ID
 * stays allocated (and cannot be destroyed) until the iommufd is closed.
 */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/**
 * struct iommu_ioas_change_process - ioctl(IOMMU_IOAS_CHANGE_PROCESS)
 * @size: in, sizeof(struct iommu_ioas_change_process)
 * @__reserved: must be 0
 *
 * Move the accounting of all pinned memory of every IOAS in this iommufd
 * to the calling process, for example when a new process takes over the
 * devices during a live update. Only mappings made with IOMMU_IOAS_MAP_FILE
 * can move; if any other mapping exists the call fails with EINVAL. On any
 * failure nothing changes.
 */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/**
 * enum iommu_veventq_flag - flags of struct iommufd_vevent_header
 * @IOMMU_VEVENTQ_FLAG_LOST_EVENTS: events were dropped because the queue
 *                                  was full
 */
enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0),
};

/**
 * struct iommufd_vevent_header - header of each record in a vEVENTQ
 * @flags: out, combination of enum iommu_veventq_flag
 * @sequence: out, sequence number of the event, counting from 0 up to
 *            INT_MAX and then wrapping to 0
 *
 * A read from a vEVENTQ returns whole records, each a header followed by
 * type-specific data. Sequence numbers normally go up by one per record; a
 * jump of N means N - 1 events were lost in between. When events are lost
 * at the end of the queue, with no later event to show the jump, a header
 * with IOMMU_VEVENTQ_FLAG_LOST_EVENTS set and no data is appended.
 */
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

/**
 * enum iommu_veventq_type - kind of virtual event queue
 * @IOMMU_VEVENTQ_TYPE_DEFAULT: reserved
 * @IOMMU_VEVENTQ_TYPE_ARM_SMMUV3: SMMUv3 event records,
 *                                 struct iommu_vevent_arm_smmuv3
 * @IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV: Tegra241 CMDQV error interrupts,
 *                                     struct iommu_vevent_tegra241_cmdqv
 */
enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/**
 * struct iommu_vevent_arm_smmuv3 - one virtual SMMUv3 event
 *                                  (IOMMU_VEVENTQ_TYPE_ARM_SMMUV3)
 * @evt: out, a 256-bit SMMUv3 event record, little-endian
 *
 * Forwarded event types: C_BAD_STE (0x04), F_STREAM_DISABLED (0x06),
 * C_BAD_SUBSTREAMID (0x08), C_BAD_CD (0x0a), F_TRANSLATION (0x10),
 * F_ADDR_SIZE (0x11), F_ACCESS (0x12) and F_PERMISSION (0x13). The
 * StreamID field holds the virtual ID of the device, so events are only
 * reported for devices that have a vDEVICE.
 */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

/**
 * struct iommu_vevent_tegra241_cmdqv - one Tegra241 CMDQV error event
 *                                      (IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV)
 * @lvcmdq_err_map: out, the 128-bit logical VCMDQ error map of the virtual
 *                  interface behind the vIOMMU (the LVCMDQ_ERR_MAP
 *                  registers), little-endian
 */
struct iommu_vevent_tegra241_cmdqv {
	__aligned_le64 lvcmdq_err_map[2];
};

/**
 * struct iommu_veventq_alloc - ioctl(IOMMU_VEVENTQ_ALLOC)
 * @size: in, sizeof(struct iommu_veventq_alloc)
 * @flags: in, must be 0
 * @viommu_id: in, the vIOMMU whose events the queue receives
 * @type: in, one of enum iommu_veventq_type
 * @veventq_depth: in, maximum number of events held; once full, further
 *                 events are dropped and counted as lost
 * @out_veventq_id: out, ID of the new vEVENTQ
 * @out_veventq_fd: out, file descriptor to read events from; the caller
 *                  closes it when done
 * @__reserved: must be 0
 *
 * Create a queue that delivers the events of a vIOMMU to userspace. A
 * vIOMMU may have several queues, at most one per @type. Each record read
 * is a struct iommufd_vevent_header followed by the @type-specific event.
 */
struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

/**
 * enum iommu_hw_queue_type - kind of hardware-accelerated queue
 * @IOMMU_HW_QUEUE_TYPE_DEFAULT: reserved
 * @IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV: a Tegra241 CMDQV virtual command
 *                                      queue (VCMDQ). Rules: allocate
 *                                      from @index 0 upwards and destroy
 *                                      from the highest @index down;
 *                                      @length is a power of two from 32
 *                                      bytes up to 16 << IDR1.CMDQS bytes
 *                                      (see struct iommu_hw_info_arm_smmuv3);
 *                                      @nesting_parent_iova is aligned to
 *                                      @length and mapped in the IOAS.
 *                                      Backing the queue with physically
 *                                      contiguous memory (for example one
 *                                      huge page) is advised.
 */
enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/**
 * struct iommu_hw_queue_alloc - ioctl(IOMMU_HW_QUEUE_ALLOC)
 * @size: in, sizeof(struct iommu_hw_queue_alloc)
 * @flags: in, must be 0
 * @viommu_id: in, the vIOMMU the queue belongs to
 * @type: in, one of enum iommu_hw_queue_type
 * @index: in, which queue of this @type on the vIOMMU
 * @out_hw_queue_id: out, ID of the new HW queue
 * @nesting_parent_iova: in, guest physical address of the queue memory
 *                       (an IOVA of the stage-2 parent)
 * @length: in, size of the queue memory in bytes
 *
 * Give the hardware direct access to a queue that lives in guest memory, so
 * the guest can use it without trapping. Each queue of a vIOMMU is named by
 * (@type, @index); the same @index may be used once per @type.
 */
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

/**
 * DOC: iofd-oot extensions
 *
 * Everything above matches upstream v6.17. iofd-oot adds its own values in
 * ranges upstream is unlikely to reach, so that an upstream value is never
 * shadowed:
 *
 *  - New enum values (HWPT data types, invalidation data types, vIOMMU
 *    types, hw_info types, test operations, ...) start at 0x10f00000 and
 *    count up.
 *  - New capability bits (for example in @out_capabilities of
 *    struct iommu_hw_info) are taken from bit 63 downwards.
 *
 * Every such value is defined in this section, marked as an iofd-oot
 * extension, and listed in Documentation/uapi.md.
 */

/**
 * define IOMMU_HW_CAP_IOFD_SHADOW_NESTING - shadow nesting capability
 *
 * An iofd-oot extension of @out_capabilities in struct iommu_hw_info:
 * nested HWPTs work, but the
 * IOMMU does not nest by itself (QEMU 7.2's VT-d has no first level); the
 * kernel composes the guest's stage-1 table with the nest parent into a
 * shadow table. The guest's table is followed at IOMMU_HWPT_INVALIDATE
 * only, as a hardware IOTLB would be; the parent's changes are followed
 * at once.
 */
#define IOMMU_HW_CAP_IOFD_SHADOW_NESTING	(1ULL << 63)

/**
 * DOC: bind_pasid_table on Intel VT-d (iofd-oot extension)
 *
 * Arm SMMUv3 binds a guest's whole context-descriptor table with upstream's
 * IOMMU_HWPT_DATA_ARM_SMMUV3: the vSTE carries S1ContextPtr. VT-d has no
 * equivalent in upstream's uAPI, whose IOMMU_HWPT_DATA_VTD_S1 describes one
 * stage-1 page table and no PASID. iofd-oot expresses the VT-d variant as a
 * nested HWPT of data type IOMMU_HWPT_DATA_VTD_PASID_TABLE over a nest
 * parent: the data points at the guest's scalable-mode PASID directory, in
 * guest-physical (nest parent IOVA) addresses. Attached to a device's RID,
 * it claims the RID and every PASID (like an SMMUv3 vSTE with a CD table).
 * The host reads the guest's PASID entries through the nest parent only,
 * validates them and installs one nested (or shadowed) PASID entry per
 * valid guest entry; guest PASID-cache invalidations resynchronise them.
 * Invalidations use IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE, whose
 * entries carry the PASID that upstream's per-HWPT struct has no room for.
 */

/**
 * enum iommu_hwpt_iofd_data_type - iofd-oot HWPT data types
 * @IOMMU_HWPT_DATA_VTD_PASID_TABLE: struct iommu_hwpt_vtd_pasid_table
 */
enum iommu_hwpt_iofd_data_type {
	IOMMU_HWPT_DATA_VTD_PASID_TABLE = 0x10f00000,
};

/**
 * enum iommu_hwpt_vtd_pasid_table_flags - flags of a bound VT-d PASID table
 * @IOMMU_VTD_PASID_TABLE_SRE: the guest may use supervisor requests
 *                             (validated against ECAP.SRS)
 */
enum iommu_hwpt_vtd_pasid_table_flags {
	IOMMU_VTD_PASID_TABLE_SRE = 1 << 0,
};

/**
 * struct iommu_hwpt_vtd_pasid_table - a guest's whole VT-d PASID table
 *                                     (IOMMU_HWPT_DATA_VTD_PASID_TABLE)
 * @flags: in, IOMMU_VTD_PASID_TABLE_* flags
 * @pasid_dir_addr: in, guest-physical address (an IOVA of the nest parent)
 *                  of the guest's PASID directory, 4 KiB aligned
 * @pasid_bits: in, log2 of the number of PASIDs the guest's table covers,
 *              at most the device's out_max_pasid_log2 (IOMMU_GET_HW_INFO)
 * @addr_width: in, stage-1 input address width the guest's first-level
 *              tables use: 48 or 57
 */
struct iommu_hwpt_vtd_pasid_table {
	__aligned_u64 flags;
	__aligned_u64 pasid_dir_addr;
	__u32 pasid_bits;
	__u32 addr_width;
};

/**
 * enum iommu_hwpt_iofd_invalidate_data_type - iofd-oot invalidation types
 * @IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE: entries are
 *                                 struct iommu_hwpt_vtd_pasid_table_invalidate
 */
enum iommu_hwpt_iofd_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE = 0x10f00000,
};

/**
 * enum iommu_vtd_pasid_table_inv_type - what one entry invalidates
 * @IOMMU_VTD_PT_INV_PASID_CACHE: the guest changed the PASID entry of @pasid
 *                                (or every entry with
 *                                IOMMU_VTD_PT_INV_ALL_PASIDS); the host
 *                                re-reads and re-validates it
 * @IOMMU_VTD_PT_INV_IOTLB: stage-1 IOTLB entries of @pasid in [@addr,
 *                          @addr + @npages pages); @addr 0 with @npages
 *                          U64_MAX means all of them
 */
enum iommu_vtd_pasid_table_inv_type {
	IOMMU_VTD_PT_INV_PASID_CACHE = 0,
	IOMMU_VTD_PT_INV_IOTLB = 1,
};

/**
 * enum iommu_vtd_pasid_table_inv_flags - flags of one entry
 * @IOMMU_VTD_PT_INV_LEAF: only leaf entries changed (as
 *                         IOMMU_VTD_INV_FLAGS_LEAF)
 * @IOMMU_VTD_PT_INV_ALL_PASIDS: ignore @pasid: every PASID of the table
 */
enum iommu_vtd_pasid_table_inv_flags {
	IOMMU_VTD_PT_INV_LEAF = 1 << 0,
	IOMMU_VTD_PT_INV_ALL_PASIDS = 1 << 1,
};

/**
 * struct iommu_hwpt_vtd_pasid_table_invalidate - one guest invalidation of
 *        a bound VT-d PASID table (IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE)
 * @type: in, an enum iommu_vtd_pasid_table_inv_type value
 * @flags: in, IOMMU_VTD_PT_INV_* flags
 * @pasid: in, the PASID concerned
 * @__reserved: must be 0
 * @addr: in, first guest IOVA (IOTLB type), 4 KiB aligned
 * @npages: in, number of 4 KiB pages (IOTLB type)
 */
struct iommu_hwpt_vtd_pasid_table_invalidate {
	__u32 type;
	__u32 flags;
	__u32 pasid;
	__u32 __reserved;
	__aligned_u64 addr;
	__aligned_u64 npages;
};

#endif
