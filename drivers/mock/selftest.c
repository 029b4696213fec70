// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_TEST_CMD: the test operations of /dev/iommu, with the semantics and
 * errnos of upstream's iommufd selftest so that its test programs run
 * unchanged.
 *
 * Two kinds of things are created here:
 *  - a selftest device ("stdev"): a driver object in the context's ID table
 *    that owns one mock device, bound to that context and attached to an
 *    IOAS or HWPT.  IOMMU_DESTROY of its ID, or closing the context,
 *    detaches, unbinds and frees the device.
 *  - an access file: an anonymous file owning one iofd_access, the CPU
 *    view of an IOAS that an emulated device (mdev-like) uses.  Closing the
 *    file unpins whatever the test left pinned and destroys the access.
 *
 * Every operation takes the objects it works on from the core (or fdget()
 * for access files) for its own duration only, so nothing here outlives
 * the context or the file that owns it.
 */
#define pr_fmt(fmt) "iofd_mock: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pfn.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <iofd/core.h>
#include "mock.h"

/* Upstream's default SET_TEMP_MEMORY_LIMIT; means "the core's default" */
#define MOCK_DEFAULT_TEMP_MEMORY_LIMIT	65536
/* Upstream's bound on one ACCESS_PAGES / ACCESS_RW, kept for its errno */
#define MOCK_ACCESS_MAX_LENGTH		SZ_16M
/* Pages per pin_user_pages_fast() call of PIN_BENCH */
#define MOCK_PIN_BENCH_BATCH		512

/**
 * struct mock_stdev - selftest device object
 * @dobj: ID table entry; must be first, the core allocates and frees it
 * @ictx: the context whose table holds @dobj (so it outlives this)
 * @idev: @mdev bound to @ictx
 * @mdev: the mock device, owned
 * @idev_id: ID of @idev, for ops addressed by device ID
 * @node: in mock_stdevs, under mock_stdevs_lock
 *
 * Lifetime: finalized once bound and attached; destroyed by the core
 * through mock_stdev_destroy() when its ID goes away, never while an op
 * holds it with mock_stdev_get().  Each holds a module reference because
 * the core keeps only the ->destroy pointer into this module.
 */
struct mock_stdev {
	struct iofd_driver_object dobj;
	struct iofd_ctx *ictx;
	struct iofd_idev *idev;
	struct mock_dev *mdev;
	u32 idev_id;
	struct list_head node;
};

static_assert(offsetof(struct mock_stdev, dobj) == 0);

/*
 * Live stdevs, to find one by device ID (the core has no lookup of a bound
 * device by ID for drivers).  Never held while calling into the core.
 */
static LIST_HEAD(mock_stdevs);
static DEFINE_MUTEX(mock_stdevs_lock);

/**
 * struct mock_access - an emulated device using an IOAS through an access
 * @access: set once creation succeeded; NULL while the file is half built
 * @needs_pin: created with MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES
 * @lock: protects @items and @next_id.  ACCESS_PAGES holds it from the pin
 *	until the item is recorded, so an unmap callback racing with it waits
 *	and then finds (and unpins) the new item: the core requires the range
 *	unpinned when the callback returns.  Hence the core must not hold,
 *	around ->unmap, a lock that is taken inside iofd_access_pin_pages()
 *	or while holding the access's own lock (upstream calls ->unmap with
 *	no lock held).
 * @items: struct mock_access_item, one per ACCESS_PAGES still pinned
 * @next_id: ID of the next item
 *
 * Lifetime: owned by its anonymous file, freed by its release.
 */
struct mock_access {
	struct iofd_access *access;
	bool needs_pin;
	struct mutex lock;	/* items, next_id; see above */
	struct list_head items;
	unsigned int next_id;
};

/* One pinned range; [iova, iova + length) as given to the core */
struct mock_access_item {
	struct list_head node;
	unsigned long iova;
	unsigned long length;
	unsigned int id;
};

/*
 * Upstream passes a test's PASID straight to its core, where 0 means "no
 * PASID"; ours spells that IOFD_NO_PASID (U32_MAX).  So a test's U32_MAX,
 * for upstream a PASID no device has (PASIDs have at most 20 bits), must
 * not reach our core: for it this returns false and the caller answers as
 * for any PASID past the device's width.
 */
static bool mock_test_pasid(u32 test_pasid, u32 *pasid)
{
	*pasid = test_pasid ? test_pasid : IOFD_NO_PASID;
	return test_pasid != IOFD_NO_PASID;
}

static void mock_stdev_destroy(struct iofd_driver_object *dobj)
{
	struct mock_stdev *stdev = container_of(dobj, struct mock_stdev, dobj);
	struct mock_dev *mdev = stdev->mdev;
	struct iofd_domain *domain;
	unsigned long pasid;

	mutex_lock(&mock_stdevs_lock);
	list_del(&stdev->node);
	mutex_unlock(&mock_stdevs_lock);

	/* Tests may leave PASIDs attached; block_dev erases as we walk */
	xa_for_each(&mdev->pasid_domains, pasid, domain)
		iofd_device_detach(stdev->idev, pasid);
	if (READ_ONCE(mdev->rid_domain))
		iofd_device_detach(stdev->idev, IOFD_NO_PASID);
	iofd_device_unbind(stdev->idev);
	mock_dev_destroy(mdev);
	/* Taken in mock_test_mock_domain() */
	module_put(THIS_MODULE);
}

/* Drop with mock_stdev_put() */
static struct mock_stdev *mock_stdev_get(struct iofd_ctx *ictx, u32 id)
{
	struct iofd_driver_object *dobj;

	dobj = iofd_driver_object_get(ictx, id, mock_stdev_destroy);
	if (IS_ERR(dobj))
		return ERR_CAST(dobj);
	return container_of(dobj, struct mock_stdev, dobj);
}

static void mock_stdev_put(struct iofd_ctx *ictx, struct mock_stdev *stdev)
{
	iofd_object_put(ictx, &stdev->dobj.obj);
}

static int mock_test_mock_domain(struct iofd_ucmd *ucmd,
				 struct iommu_test_cmd *cmd)
{
	struct iofd_driver_object *dobj;
	struct mock_stdev *stdev;
	struct iofd_idev *idev;
	struct mock_dev *mdev;
	u32 pt_id = cmd->id;
	u32 dev_flags = 0;
	u32 idev_id;
	int rc;

	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	if (dev_flags & ~MOCK_DEVICE_FLAGS_ALL)
		return -EOPNOTSUPP;

	dobj = iofd_driver_object_alloc(ucmd->ictx, sizeof(*stdev),
					mock_stdev_destroy);
	if (IS_ERR(dobj))
		return PTR_ERR(dobj);
	stdev = container_of(dobj, struct mock_stdev, dobj);

	mdev = mock_dev_create(dev_flags);
	if (IS_ERR(mdev)) {
		rc = PTR_ERR(mdev);
		goto out_abort;
	}
	idev = iofd_device_bind(ucmd->ictx, &mdev->dev, &idev_id);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_free_mdev;
	}
	rc = iofd_device_attach(idev, IOFD_NO_PASID, &pt_id);
	if (rc)
		goto out_unbind;

	/* mock_domain and mock_domain_flags share the out_* layout */
	cmd->mock_domain.out_stdev_id = dobj->obj.id;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_idev_id = idev_id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_detach;

	stdev->ictx = ucmd->ictx;
	stdev->idev = idev;
	stdev->mdev = mdev;
	stdev->idev_id = idev_id;
	/* Dropped at the end of mock_stdev_destroy() */
	__module_get(THIS_MODULE);
	mutex_lock(&mock_stdevs_lock);
	list_add_tail(&stdev->node, &mock_stdevs);
	mutex_unlock(&mock_stdevs_lock);
	iofd_driver_object_finalize(ucmd->ictx, dobj);
	return 0;

out_detach:
	iofd_device_detach(idev, IOFD_NO_PASID);
out_unbind:
	iofd_device_unbind(idev);
out_free_mdev:
	mock_dev_destroy(mdev);
out_abort:
	iofd_driver_object_abort(ucmd->ictx, dobj);
	return rc;
}

static int mock_test_mock_domain_replace(struct iofd_ucmd *ucmd,
					 struct iommu_test_cmd *cmd)
{
	u32 pt_id = cmd->mock_domain_replace.pt_id;
	struct mock_stdev *stdev;
	int rc;

	stdev = mock_stdev_get(ucmd->ictx, cmd->id);
	if (IS_ERR(stdev))
		return PTR_ERR(stdev);
	rc = iofd_device_replace(stdev->idev, IOFD_NO_PASID, &pt_id);
	if (!rc) {
		cmd->mock_domain_replace.pt_id = pt_id;
		rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	mock_stdev_put(ucmd->ictx, stdev);
	return rc;
}

static int mock_test_pasid_attach(struct iofd_ucmd *ucmd,
				  struct iommu_test_cmd *cmd, bool replace)
{
	u32 pt_id = replace ? cmd->pasid_replace.pt_id :
			      cmd->pasid_attach.pt_id;
	struct mock_stdev *stdev;
	bool valid;
	u32 pasid;
	int rc;

	valid = mock_test_pasid(replace ? cmd->pasid_replace.pasid :
					  cmd->pasid_attach.pasid, &pasid);
	stdev = mock_stdev_get(ucmd->ictx, cmd->id);
	if (IS_ERR(stdev))
		return PTR_ERR(stdev);
	if (!valid)
		rc = -EINVAL;
	else if (replace)
		rc = iofd_device_replace(stdev->idev, pasid, &pt_id);
	else
		rc = iofd_device_attach(stdev->idev, pasid, &pt_id);
	if (rc)
		goto out_put;

	if (replace)
		cmd->pasid_replace.pt_id = pt_id;
	else
		cmd->pasid_attach.pt_id = pt_id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	/* A replace cannot be undone here; the old HWPT may be gone */
	if (rc && !replace)
		iofd_device_detach(stdev->idev, pasid);
out_put:
	mock_stdev_put(ucmd->ictx, stdev);
	return rc;
}

static int mock_test_pasid_detach(struct iofd_ucmd *ucmd,
				  struct iommu_test_cmd *cmd)
{
	struct mock_stdev *stdev;
	u32 pasid;

	stdev = mock_stdev_get(ucmd->ictx, cmd->id);
	if (IS_ERR(stdev))
		return PTR_ERR(stdev);
	/* Nothing is attached to a PASID no device has */
	if (mock_test_pasid(cmd->pasid_detach.pasid, &pasid))
		iofd_device_detach(stdev->idev, pasid);
	mock_stdev_put(ucmd->ictx, stdev);
	return 0;
}

/*
 * Check that the RID or PASID is attached to hwpt_id (0: blocked) both as
 * the core records it and as the mock IOMMU would translate it (paging or
 * nested domain): a difference means the core skipped or lost a driver
 * call.  As upstream, a hwpt_id that is not a HWPT is -ENOENT and any
 * mismatch -EINVAL.
 */
static int mock_test_pasid_check_hwpt(struct iofd_ucmd *ucmd,
				      struct iommu_test_cmd *cmd)
{
	u32 hwpt_id = cmd->pasid_check.hwpt_id;
	struct iofd_domain *attached, *expected = NULL;
	struct iofd_object *obj = NULL;
	struct mock_stdev *stdev;
	u32 core_hwpt_id = 0;
	bool valid;
	u32 pasid;
	int rc = 0;

	valid = mock_test_pasid(cmd->pasid_check.pasid, &pasid);

	stdev = mock_stdev_get(ucmd->ictx, cmd->id);
	if (IS_ERR(stdev))
		return PTR_ERR(stdev);
	if (hwpt_id) {
		expected = iofd_hwpt_get_domain(ucmd->ictx, hwpt_id, &obj);
		if (IS_ERR(expected)) {
			rc = PTR_ERR(expected);
			goto out_put_stdev;
		}
	}

	if (!valid)
		attached = NULL;
	else if (pasid == IOFD_NO_PASID)
		attached = READ_ONCE(stdev->mdev->rid_domain);
	else
		attached = xa_load(&stdev->mdev->pasid_domains, pasid);
	if (valid)
		rc = iofd_device_attached_hwpt(stdev->idev, pasid,
					       &core_hwpt_id);
	if (rc)
		goto out_put_hwpt;
	if (core_hwpt_id != hwpt_id || attached != expected)
		rc = -EINVAL;

out_put_hwpt:
	if (obj)
		iofd_object_put(ucmd->ictx, obj);
out_put_stdev:
	mock_stdev_put(ucmd->ictx, stdev);
	return rc;
}

static int mock_test_dev_check_cache(struct iofd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	u32 cache_id = cmd->check_dev_cache.id;
	struct mock_stdev *stdev;
	int rc = -ENOENT;

	mutex_lock(&mock_stdevs_lock);
	list_for_each_entry(stdev, &mock_stdevs, node) {
		if (stdev->ictx != ucmd->ictx || stdev->idev_id != cmd->id)
			continue;
		if (cache_id > MOCK_DEV_CACHE_ID_MAX ||
		    READ_ONCE(stdev->mdev->cache[cache_id]) !=
			    cmd->check_dev_cache.cache)
			rc = -EINVAL;
		else
			rc = 0;
		break;
	}
	mutex_unlock(&mock_stdevs_lock);
	return rc;
}

/*
 * Check one mock IOTLB entry of a nested HWPT.  As upstream: an ID that is
 * not a nested HWPT is -ENOENT; a nested HWPT of another driver, an entry
 * index past the end or another value is -EINVAL.
 */
static int mock_test_md_check_iotlb(struct iofd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	u32 iotlb_id = cmd->check_iotlb.id;
	struct mock_domain_nested *nested;
	struct iofd_domain *domain;
	struct iofd_object *obj;
	int rc = 0;

	domain = iofd_hwpt_get_domain(ucmd->ictx, cmd->id, &obj);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	if (domain->type != IOFD_DOMAIN_NESTED) {
		rc = -ENOENT;
		goto out_put;
	}
	nested = to_mock_nested(domain);
	if (!nested || iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX ||
	    READ_ONCE(nested->iotlb[iotlb_id]) != cmd->check_iotlb.iotlb)
		rc = -EINVAL;
out_put:
	iofd_object_put(ucmd->ictx, obj);
	return rc;
}

/*
 * What the mock keeps for a vIOMMU: its VMID, the ID of its nest parent
 * and how many vDEVICEs the core told it about.  -ENOENT when the ID is
 * not a vIOMMU, -EINVAL when it is not the mock's.
 */
static int mock_test_viommu_info(struct iofd_ucmd *ucmd,
				 struct iommu_test_cmd *cmd)
{
	struct iofd_viommu *viommu;
	struct mock_viommu *mv;
	int rc;

	viommu = iofd_viommu_get(ucmd->ictx, cmd->id);
	if (!viommu)
		return -ENOENT;
	mv = to_mock_viommu(viommu);
	if (!mv) {
		rc = -EINVAL;
		goto out_put;
	}
	cmd->iofd_viommu_info.out_vmid = mv->vmid;
	cmd->iofd_viommu_info.out_parent_id = viommu->parent_id;
	cmd->iofd_viommu_info.out_nr_vdevs = atomic_read(&mv->nr_vdevs);
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iofd_object_put(ucmd->ictx, &viommu->obj);
	return rc;
}

/* Check that IOVA maps, IOPTE by IOPTE, to the pages behind a user VA */
static int mock_test_check_map(struct iofd_ucmd *ucmd,
			       struct iommu_test_cmd *cmd)
{
	unsigned long iova = cmd->check_map.iova;
	unsigned long length = cmd->check_map.length;
	unsigned long uptr = cmd->check_map.uptr;
	struct iofd_domain *domain;
	struct mock_domain *mock;
	struct iofd_object *obj;
	unsigned long end;
	int rc = 0;

	if (iova % MOCK_IO_PAGE_SIZE || length % MOCK_IO_PAGE_SIZE ||
	    uptr % MOCK_IO_PAGE_SIZE || cmd->check_map.length != length ||
	    check_add_overflow(uptr, length, &end) ||
	    check_add_overflow(iova, length, &end))
		return -EINVAL;

	domain = iofd_hwpt_get_domain(ucmd->ictx, cmd->id, &obj);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	/* As upstream: the ID must be a paging HWPT (of any driver) */
	if (domain->type != IOFD_DOMAIN_PAGING) {
		iofd_object_put(ucmd->ictx, obj);
		return -ENOENT;
	}
	mock = to_mock_domain(domain);
	if (!mock) {
		rc = -EINVAL;
		goto out_put;
	}

	/*
	 * The walk stops at the first IOPTE that is missing or wrong, and
	 * the aperture holds at most 2^31 / MOCK_IO_PAGE_SIZE IOPTEs, so the
	 * work is bounded whatever the length.
	 */
	while (length) {
		unsigned long chunk = min(length,
					  PAGE_SIZE - offset_in_page(uptr));
		phys_addr_t expect, found;
		struct page *page;

		rc = get_user_pages_fast(uptr & PAGE_MASK, 1, 0, &page);
		if (rc != 1) {
			rc = rc < 0 ? rc : -EFAULT;
			goto out_put;
		}
		expect = PFN_PHYS(page_to_pfn(page)) + offset_in_page(uptr);
		put_page(page);
		rc = 0;

		for (; chunk; chunk -= MOCK_IO_PAGE_SIZE) {
			if (!mock_domain_lookup(mock, iova, &found) ||
			    found != expect) {
				rc = -EINVAL;
				goto out_put;
			}
			iova += MOCK_IO_PAGE_SIZE;
			uptr += MOCK_IO_PAGE_SIZE;
			length -= MOCK_IO_PAGE_SIZE;
			expect += MOCK_IO_PAGE_SIZE;
		}
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			goto out_put;
		}
		cond_resched();
	}

out_put:
	iofd_object_put(ucmd->ictx, obj);
	return rc;
}

/* Check the pin count of each user page, to catch lost pins and unpins */
static int mock_test_check_refs(struct iommu_test_cmd *cmd)
{
	unsigned long length = cmd->check_refs.length;
	unsigned long uptr = cmd->check_refs.uptr;
	unsigned int refs = cmd->check_refs.refs;
	unsigned long end;
	int rc;

	if (length % PAGE_SIZE || uptr % PAGE_SIZE ||
	    cmd->check_refs.length != length ||
	    check_add_overflow(uptr, length, &end))
		return -EINVAL;

	for (; length; length -= PAGE_SIZE, uptr += PAGE_SIZE) {
		struct page *page;

		rc = get_user_pages_fast(uptr, 1, 0, &page);
		if (rc != 1)
			return rc < 0 ? rc : -EFAULT;
		/*
		 * Pins of a compound page are counted in the folio, not in
		 * the page's refcount; upstream skips those too.
		 */
		rc = 0;
		if (!PageCompound(page) &&
		    page_ref_count(page) / GUP_PIN_COUNTING_BIAS != refs)
			rc = -EIO;
		put_page(page);
		if (rc)
			return rc;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/* Unpin every item that overlaps [iova, last] */
static void mock_access_drop_range(struct mock_access *macc,
				   unsigned long iova, unsigned long last)
{
	struct mock_access_item *item, *tmp;

	mutex_lock(&macc->lock);
	list_for_each_entry_safe(item, tmp, &macc->items, node) {
		if (iova > item->iova + item->length - 1 || last < item->iova)
			continue;
		list_del(&item->node);
		iofd_access_unpin_pages(macc->access, item->iova,
					item->length);
		kfree(item);
	}
	mutex_unlock(&macc->lock);
}

static void mock_access_unmap(void *data, unsigned long iova,
			      unsigned long length)
{
	unsigned long last;

	if (!length)
		return;
	/* (0, ULONG_MAX) is how upstream says "everything" */
	if (length == ULONG_MAX ||
	    check_add_overflow(iova, length - 1, &last))
		last = ULONG_MAX;
	mock_access_drop_range(data, iova, last);
}

static const struct iofd_access_ops mock_access_ops = {
	.unmap = mock_access_unmap,
};

static int mock_access_release(struct inode *inode, struct file *file)
{
	struct mock_access *macc = file->private_data;

	if (macc->access) {
		mock_access_drop_range(macc, 0, ULONG_MAX);
		iofd_access_destroy(macc->access);
	}
	mutex_destroy(&macc->lock);
	kfree(macc);
	return 0;
}

static const struct file_operations mock_access_fops = {
	.owner = THIS_MODULE,
	.release = mock_access_release,
};

/*
 * @fd must be an access file (upstream: -EBADFD otherwise); the struct fd
 * keeps it open until fdput().
 */
static struct mock_access *mock_access_get(u32 fd, struct fd *f)
{
	*f = fdget(fd);
	if (!f->file)
		return ERR_PTR(-EBADFD);
	if (f->file->f_op != &mock_access_fops) {
		fdput(*f);
		return ERR_PTR(-EBADFD);
	}
	return f->file->private_data;
}

static int mock_test_create_access(struct iofd_ucmd *ucmd,
				   struct iommu_test_cmd *cmd)
{
	u32 flags = cmd->create_access.flags;
	struct iofd_access *access;
	struct mock_access *macc;
	struct file *file;
	int fdno;
	int rc;

	if (flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;

	macc = kzalloc(sizeof(*macc), GFP_KERNEL_ACCOUNT);
	if (!macc)
		return -ENOMEM;
	mutex_init(&macc->lock);
	INIT_LIST_HEAD(&macc->items);
	macc->needs_pin = flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;

	file = anon_inode_getfile("[iofd_test_access]", &mock_access_fops,
				  macc, O_RDWR);
	if (IS_ERR(file)) {
		mutex_destroy(&macc->lock);
		kfree(macc);
		return PTR_ERR(file);
	}
	/* From here the file owns macc: fput() frees it */

	fdno = get_unused_fd_flags(O_CLOEXEC);
	if (fdno < 0) {
		rc = fdno;
		goto out_fput;
	}
	access = iofd_access_create(ucmd->ictx, &mock_access_ops, macc);
	if (IS_ERR(access)) {
		rc = PTR_ERR(access);
		goto out_put_fdno;
	}
	rc = iofd_access_attach(access, cmd->id);
	if (rc)
		goto out_destroy;
	cmd->create_access.out_access_fd = fdno;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_destroy;

	macc->access = access;
	fd_install(fdno, file);
	return 0;

out_destroy:
	iofd_access_destroy(access);
out_put_fdno:
	put_unused_fd(fdno);
out_fput:
	fput(file);
	return rc;
}

static int mock_test_access_replace_ioas(struct iofd_ucmd *ucmd,
					 struct iommu_test_cmd *cmd)
{
	struct mock_access *macc;
	struct fd f;
	int rc;

	macc = mock_access_get(cmd->id, &f);
	if (IS_ERR(macc))
		return PTR_ERR(macc);
	rc = iofd_access_replace(macc->access,
				 cmd->access_replace_ioas.ioas_id);
	fdput(f);
	return rc;
}

/* Check that @pages are the pages behind the user VA @uptr */
static int mock_check_user_pages(unsigned long uptr, struct page **pages,
				 unsigned long npages)
{
	for (; npages; npages--, pages++, uptr += PAGE_SIZE) {
		struct page *page;
		int rc;

		rc = get_user_pages_fast(uptr, 1, 0, &page);
		if (rc != 1)
			return rc < 0 ? rc : -EFAULT;
		put_page(page);
		if (page != *pages)
			return -EBADE;
	}
	return 0;
}

static int mock_test_access_pages(struct iofd_ucmd *ucmd,
				  struct iommu_test_cmd *cmd)
{
	unsigned long iova = cmd->access_pages.iova;
	unsigned long length = cmd->access_pages.length;
	unsigned long uptr = cmd->access_pages.uptr;
	u32 flags = cmd->access_pages.flags;
	struct mock_access_item *item;
	struct mock_access *macc;
	unsigned long npages;
	struct page **pages;
	struct fd f;
	int rc;

	/* Keeps kvcalloc() below its WARN size; errno as upstream */
	if (cmd->access_pages.length > MOCK_ACCESS_MAX_LENGTH)
		return -ENOMEM;
	/* MOCK_FLAGS_ACCESS_SYZ needs the core's area list: not offered */
	if (flags & ~MOCK_FLAGS_ACCESS_WRITE)
		return -EOPNOTSUPP;

	macc = mock_access_get(cmd->id, &f);
	if (IS_ERR(macc))
		return PTR_ERR(macc);
	if (!macc->needs_pin) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}

	/* Cannot overflow: both terms are small */
	npages = DIV_ROUND_UP(offset_in_page(iova) + length, PAGE_SIZE);
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages) {
		rc = -ENOMEM;
		goto out_put;
	}

	mutex_lock(&macc->lock);
	rc = iofd_access_pin_pages(macc->access, iova, length, pages,
				   (flags & MOCK_FLAGS_ACCESS_WRITE) ?
					   IOFD_ACCESS_RW_WRITE : 0);
	if (rc)
		goto out_unlock;

	/* uptr == 0 skips the check, as upstream (for fuzzers) */
	if (uptr) {
		rc = mock_check_user_pages(uptr - offset_in_page(iova), pages,
					   npages);
		if (rc)
			goto out_unpin;
	}

	item = kzalloc(sizeof(*item), GFP_KERNEL_ACCOUNT);
	if (!item) {
		rc = -ENOMEM;
		goto out_unpin;
	}
	item->iova = iova;
	item->length = length;
	item->id = macc->next_id++;
	list_add_tail(&item->node, &macc->items);

	cmd->access_pages.out_access_pages_id = item->id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		list_del(&item->node);
		kfree(item);
		goto out_unpin;
	}
	goto out_unlock;

out_unpin:
	iofd_access_unpin_pages(macc->access, iova, length);
out_unlock:
	mutex_unlock(&macc->lock);
	kvfree(pages);
out_put:
	fdput(f);
	return rc;
}

static int mock_test_access_item_destroy(struct iofd_ucmd *ucmd,
					 struct iommu_test_cmd *cmd)
{
	u32 id = cmd->destroy_access_pages.access_pages_id;
	struct mock_access_item *item;
	struct mock_access *macc;
	struct fd f;
	int rc = -ENOENT;

	macc = mock_access_get(cmd->id, &f);
	if (IS_ERR(macc))
		return PTR_ERR(macc);

	mutex_lock(&macc->lock);
	list_for_each_entry(item, &macc->items, node) {
		if (item->id != id)
			continue;
		list_del(&item->node);
		iofd_access_unpin_pages(macc->access, item->iova,
					item->length);
		kfree(item);
		rc = 0;
		break;
	}
	mutex_unlock(&macc->lock);
	fdput(f);
	return rc;
}

/*
 * The slow path copies one CPU page at a time, so the core's page-crossing
 * logic is exercised by every length.
 */
static int mock_access_rw_slow(struct iofd_access *access, unsigned long iova,
			       void *buf, size_t length, unsigned int flags)
{
	unsigned long last;
	size_t done = 0;
	int rc;

	/* Let the core judge ranges it must refuse, with its own errno */
	if (!length || check_add_overflow(iova, length - 1, &last))
		return iofd_access_rw(access, iova, buf, length, flags);

	while (done != length) {
		size_t chunk = min_t(size_t, length - done,
				     PAGE_SIZE - offset_in_page(iova + done));

		rc = iofd_access_rw(access, iova + done, buf + done, chunk,
				    flags);
		if (rc)
			return rc;
		done += chunk;
	}
	return 0;
}

static int mock_test_access_rw(struct iofd_ucmd *ucmd,
			       struct iommu_test_cmd *cmd)
{
	void __user *ubuf = u64_to_user_ptr(cmd->access_rw.uptr);
	unsigned long iova = cmd->access_rw.iova;
	size_t length = cmd->access_rw.length;
	u32 flags = cmd->access_rw.flags;
	unsigned int rw_flags = 0;
	struct mock_access *macc;
	struct fd f;
	void *buf;
	int rc;

	/* Keeps kvzalloc() below its WARN size; errno as upstream */
	if (cmd->access_rw.length > MOCK_ACCESS_MAX_LENGTH)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH))
		return -EOPNOTSUPP;
	if (flags & MOCK_ACCESS_RW_WRITE)
		rw_flags |= IOFD_ACCESS_RW_WRITE;

	macc = mock_access_get(cmd->id, &f);
	if (IS_ERR(macc))
		return PTR_ERR(macc);

	buf = kvzalloc(length, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		rc = -ENOMEM;
		goto out_put;
	}
	if ((flags & MOCK_ACCESS_RW_WRITE) &&
	    copy_from_user(buf, ubuf, length)) {
		rc = -EFAULT;
		goto out_free;
	}

	if (flags & MOCK_ACCESS_RW_SLOW_PATH)
		rc = mock_access_rw_slow(macc->access, iova, buf, length,
					 rw_flags);
	else
		rc = iofd_access_rw(macc->access, iova, buf, length, rw_flags);
	if (rc)
		goto out_free;

	if (!(flags & MOCK_ACCESS_RW_WRITE) && copy_to_user(ubuf, buf, length))
		rc = -EFAULT;
out_free:
	kvfree(buf);
out_put:
	fdput(f);
	return rc;
}

/*
 * Upstream's limit is in bytes of temporary page arrays; the core's knob
 * counts pages, each needing one page pointer.  0, which upstream refuses
 * and never sends, restores the default like upstream's default value.
 */
static int mock_test_set_temp_memory_limit(struct iommu_test_cmd *cmd)
{
	u32 limit = cmd->memory_limit.limit;

	/* Upstream refuses less than one batch element */
	if (limit && limit < sizeof(unsigned long) + sizeof(u32))
		return -EINVAL;
	if (!limit || limit == MOCK_DEFAULT_TEMP_MEMORY_LIMIT)
		iofd_test_set_pin_batch(0);
	else
		iofd_test_set_pin_batch(max_t(u32, 1,
					      limit / sizeof(struct page *)));
	return 0;
}

/*
 * Pinning baseline: charge, pin with the flags the core pins user memory
 * with, unpin dirty and uncharge, as a map and unmap would, minus
 * everything iommufd adds.  All pages stay pinned until the end, as after
 * IOMMU_IOAS_MAP.
 */
static int mock_test_pin_bench(struct iommu_test_cmd *cmd)
{
	unsigned long uptr = cmd->iofd_pin_bench.uptr;
	unsigned long length = cmd->iofd_pin_bench.length;
	unsigned long npages, done = 0, end;
	struct page **pages;
	int rc;

	if (!length || length % PAGE_SIZE || uptr % PAGE_SIZE ||
	    cmd->iofd_pin_bench.length != length ||
	    check_add_overflow(uptr, length, &end))
		return -EINVAL;
	npages = length / PAGE_SIZE;
	/* Past this kvmalloc() WARNs; the memlock limit stops users sooner */
	if (npages > INT_MAX / sizeof(*pages))
		return -ENOMEM;

	rc = account_locked_vm(current->mm, npages, true);
	if (rc)
		return rc;
	pages = kvmalloc_array(npages, sizeof(*pages),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pages) {
		rc = -ENOMEM;
		goto out_uncharge;
	}

	while (done != npages) {
		int batch = min_t(unsigned long, npages - done,
				  MOCK_PIN_BENCH_BATCH);

		rc = pin_user_pages_fast(uptr + done * PAGE_SIZE, batch,
					 FOLL_WRITE | FOLL_LONGTERM,
					 pages + done);
		if (rc <= 0) {
			rc = rc ? rc : -EFAULT;
			break;
		}
		done += rc;
		rc = 0;
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			break;
		}
		cond_resched();
	}

	unpin_user_pages_dirty_lock(pages, done, true);
	kvfree(pages);
out_uncharge:
	account_locked_vm(current->mm, npages, false);
	return rc;
}

static int mock_test_fail_nth(struct iofd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	unsigned int remaining;
	int rc;

	if (cmd->iofd_fail_nth.flags)
		return -EOPNOTSUPP;
	/* Reports the previous setting, so nth == 0 both disarms and asks */
	remaining = iofd_fail_nth_remaining();
	rc = iofd_fail_nth_set(cmd->iofd_fail_nth.nth);
	if (rc)
		return rc;
	cmd->iofd_fail_nth.out_remaining = remaining;
	return iofd_ucmd_respond(ucmd, sizeof(*cmd));
}

static int mock_test_cmd(struct iofd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return iofd_test_add_reserved(ucmd->ictx, cmd->id,
					      cmd->add_reserved.start,
					      cmd->add_reserved.length);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return mock_test_mock_domain(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return mock_test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return mock_test_check_map(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return mock_test_check_refs(cmd);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return mock_test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return mock_test_access_item_destroy(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return mock_test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return mock_test_access_rw(ucmd, cmd);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		return mock_test_set_temp_memory_limit(cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return mock_test_access_replace_ioas(ucmd, cmd);
	case IOMMU_TEST_OP_DEV_CHECK_CACHE:
		return mock_test_dev_check_cache(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_ATTACH:
		return mock_test_pasid_attach(ucmd, cmd, false);
	case IOMMU_TEST_OP_PASID_REPLACE:
		return mock_test_pasid_attach(ucmd, cmd, true);
	case IOMMU_TEST_OP_PASID_DETACH:
		return mock_test_pasid_detach(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_CHECK_HWPT:
		return mock_test_pasid_check_hwpt(ucmd, cmd);
	case IOMMU_TEST_OP_IOFD_PIN_BENCH:
		return mock_test_pin_bench(cmd);
	case IOMMU_TEST_OP_IOFD_FAIL_NTH:
		return mock_test_fail_nth(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return mock_test_md_check_iotlb(ucmd, cmd);
	case IOMMU_TEST_OP_IOFD_VIOMMU_INFO:
		return mock_test_viommu_info(ucmd, cmd);
	/*
	 * Need dirty tracking, fault queues or vEVENTQs, which the core does
	 * not offer drivers yet.
	 */
	case IOMMU_TEST_OP_DIRTY:
	case IOMMU_TEST_OP_TRIGGER_IOPF:
	case IOMMU_TEST_OP_TRIGGER_VEVENT:
	default:
		return -EOPNOTSUPP;
	}
}

int mock_selftest_init(void)
{
	return iofd_test_cmd_register(mock_test_cmd, THIS_MODULE);
}

void mock_selftest_exit(void)
{
	iofd_test_cmd_unregister();
	/* Each stdev holds the module, so none can be left here */
	WARN_ON(!list_empty(&mock_stdevs));
}
