// SPDX-License-Identifier: GPL-2.0
/*
 * DEVICE objects: binding a device to a context and attaching its RID or
 * its PASIDs to HWPTs.
 *
 * Seed-001 rules: the RID attachment and every PASID attachment are
 * independent; detaching the RID touches only requests without PASID.  One
 * HWPT may serve any number of devices and PASIDs.  Replacing is done by
 * the driver in one step (attach_dev on an attached device), so DMA is
 * never blocked or untranslated in between.
 */
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/uaccess.h>
#include <linux/iommufd.h>
#include "iofd_private.h"

static const struct iofd_driver_ops *idev_ops(struct iofd_idev *idev)
{
	return idev->dev->driver->ops;
}

/*
 * Bind @dev to @ictx.  The returned reference belongs to the binder and is
 * given back by iofd_device_unbind(); the caller must keep the context
 * alive until then.
 */
struct iofd_idev *iofd_device_bind(struct iofd_ctx *ictx,
				   struct iofd_device *dev, u32 *out_id)
{
	struct iofd_idev *idev;

	if (WARN_ON(!dev->driver || !dev->driver->ops))
		return ERR_PTR(-EINVAL);
	idev = iofd_alloc_obj(ictx, idev, IOFD_OBJ_DEVICE);
	if (IS_ERR(idev))
		return idev;
	idev->ictx = ictx;
	idev->dev = dev;
	mutex_init(&idev->lock);
	xa_init(&idev->pasid_hwpts);
	refcount_inc(&idev->obj.users);	/* the binder's, see unbind */
	iofd_object_finalize(ictx, &idev->obj);
	*out_id = idev->obj.id;
	return idev;
}
EXPORT_SYMBOL_GPL(iofd_device_bind);

/*
 * The binder gives the device back.  The ID disappears at once; because
 * the binder frees its struct iofd_device right after, wait for in-flight
 * ioctls that looked the ID up to finish, then remove the vDEVICE (which
 * points at the device), then release the attachments.
 */
void iofd_device_unbind(struct iofd_idev *idev)
{
	struct iofd_ctx *ictx = idev->ictx;

	xa_lock(&ictx->objects);
	if (xa_load(&ictx->objects, idev->obj.id) == &idev->obj) {
		__xa_erase(&ictx->objects, idev->obj.id);
		refcount_dec(&idev->obj.users);
	}
	xa_unlock(&ictx->objects);
	wait_var_event(&idev->obj.users,
		       refcount_read(&idev->obj.users) == 1);
	iofd_idev_remove_vdev(idev);
	iofd_object_put(ictx, &idev->obj);
}
EXPORT_SYMBOL_GPL(iofd_device_unbind);

static struct iofd_hwpt *idev_get_attached(struct iofd_idev *idev, u32 pasid)
{
	lockdep_assert_held(&idev->lock);
	if (pasid == IOFD_NO_PASID)
		return idev->rid_hwpt;
	return xa_load(&idev->pasid_hwpts, pasid);
}

/* Cannot fail for a PASID whose slot was reserved or already used */
static void idev_set_attached(struct iofd_idev *idev, u32 pasid,
			      struct iofd_hwpt *hwpt)
{
	lockdep_assert_held(&idev->lock);
	if (pasid == IOFD_NO_PASID)
		idev->rid_hwpt = hwpt;
	else if (hwpt)
		WARN_ON(xa_err(xa_store(&idev->pasid_hwpts, pasid, hwpt,
					GFP_KERNEL)));
	else
		xa_erase(&idev->pasid_hwpts, pasid);
}

static bool idev_has_pasids(struct iofd_idev *idev)
{
	unsigned long index = 0;

	return xa_find(&idev->pasid_hwpts, &index, ULONG_MAX, XA_PRESENT);
}

/*
 * Drop a device's reference on @hwpt.  An auto domain whose last device
 * leaves is destroyed, unless userspace still holds a lookup on it.
 *
 * Going from 2 (the table's and ours) to 0 must be one atomic step: the
 * auto-domain search (iofd_device_auto_attach()) takes references with
 * refcount_inc_not_zero() under ioas->mutex, not under the xarray lock, so
 * a check of the count followed by a separate write would let it revive a
 * domain being freed.  refcount_t has no such operation, hence the cmpxchg
 * on its counter.
 */
static void iofd_hwpt_put_attached(struct iofd_ctx *ictx,
				   struct iofd_hwpt *hwpt)
{
	struct iofd_object *obj = &hwpt->obj;
	atomic_t *refs = &obj->users.refs;
	bool destroy = false;
	int old;

	if (obj->type != IOFD_OBJ_HWPT_PAGING ||
	    !to_hwpt_paging(hwpt)->auto_domain) {
		iofd_object_put(ictx, obj);
		return;
	}
	xa_lock(&ictx->objects);
	for (;;) {
		old = atomic_read(refs);
		if (old == 2 && xa_load(&ictx->objects, obj->id) == obj) {
			if (atomic_cmpxchg(refs, 2, 0) != 2)
				continue;
			__xa_erase(&ictx->objects, obj->id);
			destroy = true;
			break;
		}
		if (WARN_ON(old <= 0))
			break;
		if (atomic_cmpxchg(refs, old, old - 1) == old) {
			/* Ours was the last: the ID was already gone */
			destroy = old == 1;
			break;
		}
	}
	xa_unlock(&ictx->objects);
	/* Destroy outside the lock: it takes mutexes */
	if (destroy)
		iofd_object_destroy(obj);
}

/*
 * Attach @idev to an auto domain of @ioas: reuse one that the driver
 * accepts, or build a new one.  Returns the HWPT with the device's
 * reference taken.
 */
static struct iofd_hwpt *iofd_device_auto_attach(struct iofd_idev *idev,
						 struct iofd_ioas *ioas,
						 u32 pasid)
{
	const struct iofd_driver *driver = idev->dev->driver;
	/* Auto domains of a PASID-capable device can serve its PASIDs too */
	u32 pasid_flag = idev->dev->max_pasid_log2 ? IOMMU_HWPT_ALLOC_PASID : 0;
	struct iofd_hwpt_paging *hwpt;
	int rc;

	mutex_lock(&ioas->mutex);
	list_for_each_entry(hwpt, &ioas->hwpt_list, ioas_node) {
		if (!hwpt->auto_domain ||
		    hwpt->common.domain->driver != driver ||
		    (hwpt->common.flags & pasid_flag) != pasid_flag ||
		    !refcount_inc_not_zero(&hwpt->common.obj.users))
			continue;
		rc = driver->ops->attach_dev(hwpt->common.domain, idev->dev,
					     pasid);
		if (!rc)
			goto out_unlock;
		iofd_object_put(idev->ictx, &hwpt->common.obj);
		/* -EINVAL: incompatible with this domain, try another */
		if (rc != -EINVAL) {
			hwpt = ERR_PTR(rc);
			goto out_unlock;
		}
	}

	hwpt = iofd_hwpt_paging_alloc(idev->ictx, ioas, idev, pasid_flag, true);
	if (IS_ERR(hwpt))
		goto out_unlock;
	rc = driver->ops->attach_dev(hwpt->common.domain, idev->dev, pasid);
	if (rc) {
		list_del_init(&hwpt->ioas_node);
		iofd_object_abort_and_destroy(idev->ictx, &hwpt->common.obj);
		hwpt = ERR_PTR(rc);
		goto out_unlock;
	}
	refcount_inc(&hwpt->common.obj.users);	/* the device's */
	iofd_object_finalize(idev->ictx, &hwpt->common.obj);
out_unlock:
	mutex_unlock(&ioas->mutex);
	return IS_ERR(hwpt) ? ERR_CAST(hwpt) : &hwpt->common;
}

/*
 * The attachment rules that do not depend on the driver; caller holds
 * idev->lock.
 *  - seed 001: a domain owning the guest's whole PASID/CD table claims the
 *    RID and every PASID: -EBUSY either way round while the other is used;
 *  - upstream's PASID compatibility: a HWPT serving a PASID must have been
 *    allocated with IOMMU_HWPT_ALLOC_PASID, and so must the RID's HWPT
 *    while any PASID is attached (-EINVAL);
 *  - a nested HWPT of a vIOMMU needs the device's vDEVICE there (-ENOENT).
 */
static int idev_check_attach(struct iofd_idev *idev, u32 pasid,
			     struct iofd_hwpt *hwpt)
{
	bool compat = hwpt->flags & IOMMU_HWPT_ALLOC_PASID;
	struct iofd_hwpt *rid = idev->rid_hwpt;

	lockdep_assert_held(&idev->lock);
	if (hwpt->domain->driver != idev->dev->driver)
		return -EINVAL;
	/*
	 * A stage 1 made by a vIOMMU is the guest's view through that
	 * vIOMMU: the device must be known to it (a vDEVICE) first.
	 */
	if (hwpt->obj.type == IOFD_OBJ_HWPT_NESTED) {
		struct iofd_viommu *viommu =
			container_of(hwpt, struct iofd_hwpt_nested,
				     common)->viommu;

		if (viommu && (!idev->vdev || idev->vdev->viommu != viommu))
			return -ENOENT;
	}
	if (pasid == IOFD_NO_PASID) {
		if (!idev_has_pasids(idev))
			return 0;
		if (hwpt->domain->owns_pasid_table)
			return -EBUSY;
		return compat ? 0 : -EINVAL;
	}
	if (rid && rid->domain->owns_pasid_table)
		return -EBUSY;
	/* A PASID table cannot be nested inside a PASID */
	if (hwpt->domain->owns_pasid_table)
		return -EINVAL;
	if (!compat || (rid && !(rid->flags & IOMMU_HWPT_ALLOC_PASID)))
		return -EINVAL;
	return 0;
}

/*
 * Point @idev's RID or @pasid at @pt_id (an IOAS, a paging or a nested
 * HWPT).  With @replace the slot must be in use, without it free.  On
 * success *@pt_id is the HWPT now used.
 */
static int iofd_device_change_pt(struct iofd_idev *idev, u32 pasid,
				 u32 *pt_id, bool replace)
{
	struct iofd_ctx *ictx = idev->ictx;
	struct iofd_hwpt *old, *hwpt = NULL;
	struct iofd_object *obj;
	bool reserved = false;
	int rc;

	if (pasid != IOFD_NO_PASID &&
	    (!idev->dev->max_pasid_log2 ||
	     pasid >= (1ULL << idev->dev->max_pasid_log2)))
		return -EINVAL;

	obj = iofd_get_object(ictx, *pt_id, IOFD_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	mutex_lock(&idev->lock);
	old = idev_get_attached(idev, pasid);
	if (replace ? !old : !!old) {
		rc = -EINVAL;
		goto out_unlock;
	}

	switch (obj->type) {
	case IOFD_OBJ_IOAS:
		/* Auto domains are PASID-capable and never own a PASID table */
		if (pasid != IOFD_NO_PASID && idev->rid_hwpt) {
			rc = idev->rid_hwpt->domain->owns_pasid_table ? -EBUSY :
			     !(idev->rid_hwpt->flags & IOMMU_HWPT_ALLOC_PASID) ?
			     -EINVAL : 0;
			if (rc)
				goto out_unlock;
		}
		break;
	case IOFD_OBJ_HWPT_PAGING:
	case IOFD_OBJ_HWPT_NESTED:
		hwpt = container_of(obj, struct iofd_hwpt, obj);
		if (hwpt == old) {
			rc = 0;
			goto out_done;
		}
		rc = idev_check_attach(idev, pasid, hwpt);
		if (rc)
			goto out_unlock;
		break;
	default:
		rc = -EINVAL;
		goto out_unlock;
	}

	/* Make sure the PASID slot can be stored before touching hardware */
	if (pasid != IOFD_NO_PASID && !old) {
		rc = xa_reserve(&idev->pasid_hwpts, pasid, GFP_KERNEL_ACCOUNT);
		if (rc)
			goto out_unlock;
		reserved = true;
	}
	if (obj->type == IOFD_OBJ_IOAS) {
		hwpt = iofd_device_auto_attach(idev,
					       container_of(obj,
							    struct iofd_ioas,
							    obj),
					       pasid);
		if (IS_ERR(hwpt)) {
			rc = PTR_ERR(hwpt);
			goto out_release;
		}
	} else {
		rc = idev->dev->driver->ops->attach_dev(hwpt->domain,
							idev->dev, pasid);
		if (rc)
			goto out_release;
		refcount_inc(&hwpt->obj.users);	/* the device's */
	}
	idev_set_attached(idev, pasid, hwpt);
	/*
	 * Read the ID while the lock keeps our attachment: once it is
	 * dropped, a racing replace may detach and free an auto domain.
	 */
	*pt_id = hwpt->obj.id;
	mutex_unlock(&idev->lock);
	if (old)
		iofd_hwpt_put_attached(ictx, old);
	iofd_object_put(ictx, obj);
	return 0;

out_release:
	if (reserved)
		xa_release(&idev->pasid_hwpts, pasid);
out_unlock:
	mutex_unlock(&idev->lock);
	iofd_object_put(ictx, obj);
	return rc;
out_done:
	*pt_id = hwpt->obj.id;
	mutex_unlock(&idev->lock);
	iofd_object_put(ictx, obj);
	return 0;
}

int iofd_device_attach(struct iofd_idev *idev, u32 pasid, u32 *pt_id)
{
	return iofd_device_change_pt(idev, pasid, pt_id, false);
}
EXPORT_SYMBOL_GPL(iofd_device_attach);

int iofd_device_replace(struct iofd_idev *idev, u32 pasid, u32 *pt_id)
{
	return iofd_device_change_pt(idev, pasid, pt_id, true);
}
EXPORT_SYMBOL_GPL(iofd_device_replace);

/* Block the RID or @pasid of @idev; a no-op when not attached */
void iofd_device_detach(struct iofd_idev *idev, u32 pasid)
{
	struct iofd_hwpt *hwpt;

	mutex_lock(&idev->lock);
	hwpt = idev_get_attached(idev, pasid);
	if (!hwpt) {
		mutex_unlock(&idev->lock);
		return;
	}
	/* The device must stop using the domain before it can be freed */
	idev->dev->driver->ops->block_dev(idev->dev, pasid);
	idev_set_attached(idev, pasid, NULL);
	mutex_unlock(&idev->lock);
	iofd_hwpt_put_attached(idev->ictx, hwpt);
}
EXPORT_SYMBOL_GPL(iofd_device_detach);

int iofd_device_attached_hwpt(struct iofd_idev *idev, u32 pasid, u32 *hwpt_id)
{
	struct iofd_hwpt *hwpt;

	mutex_lock(&idev->lock);
	hwpt = idev_get_attached(idev, pasid);
	*hwpt_id = hwpt ? hwpt->obj.id : 0;
	mutex_unlock(&idev->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(iofd_device_attached_hwpt);

/* Last reference gone: nothing can attach anymore, release what is left */
void iofd_idev_destroy(struct iofd_object *obj)
{
	struct iofd_idev *idev = container_of(obj, struct iofd_idev, obj);
	struct iofd_hwpt *hwpt;
	unsigned long pasid;

	WARN_ON(idev->vdev);
	iofd_device_detach(idev, IOFD_NO_PASID);
	xa_for_each(&idev->pasid_hwpts, pasid, hwpt)
		iofd_device_detach(idev, pasid);
	xa_destroy(&idev->pasid_hwpts);
	mutex_destroy(&idev->lock);
}

#define IOFD_HW_INFO_MAX 512

int iofd_get_hw_info_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	void __user *user_ptr = u64_to_user_ptr(cmd->data_uptr);
	struct iofd_idev *idev;
	struct iofd_object *obj;
	u32 copy_len, type = IOMMU_HW_INFO_TYPE_NONE;
	void *data;
	int len = 0;
	int rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE ||
	    memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)))
		return -EOPNOTSUPP;
	obj = iofd_get_object(ucmd->ictx, cmd->dev_id, IOFD_OBJ_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	idev = container_of(obj, struct iofd_idev, obj);

	data = kzalloc(IOFD_HW_INFO_MAX, GFP_KERNEL);
	if (!data) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (idev_ops(idev)->hw_info) {
		len = idev_ops(idev)->hw_info(idev->dev, data,
					      IOFD_HW_INFO_MAX, &type);
		if (len < 0) {
			rc = len;
			goto out_free;
		}
		if (WARN_ON(len > IOFD_HW_INFO_MAX)) {
			rc = -EINVAL;
			goto out_free;
		}
	}
	/* The caller may ask for a type; we only know the device's own */
	if ((cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE) &&
	    cmd->in_data_type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    cmd->in_data_type != type) {
		rc = -EOPNOTSUPP;
		goto out_free;
	}

	copy_len = min_t(u32, cmd->data_len, len);
	if (copy_to_user(user_ptr, data, copy_len)) {
		rc = -EFAULT;
		goto out_free;
	}
	/* A larger user buffer gets zeros past what the driver reported */
	if (copy_len < cmd->data_len &&
	    clear_user(user_ptr + copy_len, cmd->data_len - copy_len)) {
		rc = -EFAULT;
		goto out_free;
	}
	cmd->data_len = len;
	cmd->out_data_type = type;
	cmd->out_max_pasid_log2 = idev->dev->max_pasid_log2;
	cmd->out_capabilities = idev->dev->capabilities;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	kfree(data);
out_put:
	iofd_object_put(ucmd->ictx, obj);
	return rc;
}
