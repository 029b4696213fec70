// SPDX-License-Identifier: GPL-2.0
/*
 * VIOMMU and VDEVICE objects (seed 002).
 *
 * A vIOMMU is one guest's virtual IOMMU instance: it holds the nest-parent
 * HWPT (the guest's stage 2) and, in the driver, the VMID / domain ID the
 * hardware tags that guest's cache entries with.  The VMID belongs to the
 * vIOMMU, not to the stage 2, so one nest parent can be shared by several
 * vIOMMUs, each with its own ID.  A vDEVICE tells the vIOMMU which device
 * the guest calls virt_id (vSID / vRID): the driver uses it to turn the
 * guest's device-scoped invalidations into physical ones.
 *
 * Lifetime: vIOMMU -> nest parent, vDEVICE -> vIOMMU, nested HWPT from a
 * vIOMMU -> vIOMMU are users references, so DESTROY goes leaf first.  A
 * vDEVICE does not hold its device: unbinding the device destroys it.
 */
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/uaccess.h>
#include <linux/iommufd.h>
#include "iofd_private.h"

void iofd_viommu_destroy(struct iofd_object *obj)
{
	struct iofd_viommu *viommu = container_of(obj, struct iofd_viommu, obj);

	if (viommu->ops && viommu->ops->destroy)
		viommu->ops->destroy(viommu);
	WARN_ON(!xa_empty(&viommu->vdevs));
	xa_destroy(&viommu->vdevs);
	if (viommu->parent_hwpt)
		refcount_dec(&viommu->parent_hwpt->common.obj.users);
}

int iofd_viommu_alloc_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	struct iofd_user_data data = {
		.type = cmd->type,
		.len = cmd->data_len,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
	};
	const struct iofd_driver *driver;
	struct iofd_hwpt_paging *parent;
	struct iofd_object *dev_obj, *obj;
	struct iofd_viommu *viommu;
	struct iofd_idev *idev;
	size_t size;
	int rc;

	if (cmd->flags || cmd->__reserved ||
	    cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->data_len != !cmd->data_uptr)
		return -EINVAL;
	dev_obj = iofd_get_object(ucmd->ictx, cmd->dev_id, IOFD_OBJ_DEVICE);
	if (IS_ERR(dev_obj))
		return PTR_ERR(dev_obj);
	idev = container_of(dev_obj, struct iofd_idev, obj);
	driver = idev->dev->driver;
	size = driver->ops->viommu_size && driver->ops->viommu_init ?
		driver->ops->viommu_size(idev->dev, cmd->type) : 0;
	if (!size) {
		rc = -EOPNOTSUPP;
		goto out_put_dev;
	}
	if (WARN_ON(size < sizeof(*viommu))) {
		rc = -EINVAL;
		goto out_put_dev;
	}
	obj = iofd_get_object(ucmd->ictx, cmd->hwpt_id, IOFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out_put_dev;
	}
	parent = container_of(obj, struct iofd_hwpt_paging, common.obj);
	if (!parent->nest_parent || parent->common.domain->driver != driver) {
		rc = -EINVAL;
		goto out_put_hwpt;
	}

	obj = iofd_object_alloc(ucmd->ictx, size, IOFD_OBJ_VIOMMU);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out_put_hwpt;
	}
	viommu = container_of(obj, struct iofd_viommu, obj);
	viommu->driver = driver;
	viommu->type = cmd->type;
	viommu->parent = parent->common.domain;
	xa_init(&viommu->vdevs);
	refcount_inc(&parent->common.obj.users);	/* put by destroy */
	viommu->parent_hwpt = parent;
	viommu->parent_id = parent->common.obj.id;

	rc = driver->ops->viommu_init(viommu, idev->dev,
				      cmd->data_len ? &data : NULL);
	if (rc) {
		/* init failed: nothing of the driver's to undo */
		viommu->ops = NULL;
		goto err_destroy;
	}
	cmd->out_viommu_id = viommu->obj.id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_destroy;
	iofd_object_finalize(ucmd->ictx, &viommu->obj);
	goto out_put_hwpt;

err_destroy:
	iofd_object_abort_and_destroy(ucmd->ictx, &viommu->obj);
out_put_hwpt:
	iofd_object_put(ucmd->ictx, &parent->common.obj);
out_put_dev:
	iofd_object_put(ucmd->ictx, dev_obj);
	return rc;
}

struct iofd_viommu *iofd_viommu_get(struct iofd_ctx *ictx, u32 id)
{
	struct iofd_object *obj = iofd_get_object(ictx, id, IOFD_OBJ_VIOMMU);

	return IS_ERR(obj) ? NULL : container_of(obj, struct iofd_viommu, obj);
}
EXPORT_SYMBOL_GPL(iofd_viommu_get);

struct iofd_device *iofd_viommu_find_dev(struct iofd_viommu *viommu,
					 unsigned long virt_id)
{
	struct iofd_vdevice *vdev;

	lockdep_assert_held(&viommu->vdevs.xa_lock);
	vdev = xa_load(&viommu->vdevs, virt_id);
	return vdev ? vdev->idev->dev : NULL;
}
EXPORT_SYMBOL_GPL(iofd_viommu_find_dev);

void iofd_vdevice_destroy(struct iofd_object *obj)
{
	struct iofd_vdevice *vdev = container_of(obj, struct iofd_vdevice, obj);
	struct iofd_viommu *viommu = vdev->viommu;
	struct iofd_idev *idev = vdev->idev;

	/* Guest lookups of virt_id end here, before the driver forgets it */
	xa_cmpxchg(&viommu->vdevs, vdev->virt_id, vdev, NULL, GFP_KERNEL);
	if (viommu->ops && viommu->ops->vdevice_destroy)
		viommu->ops->vdevice_destroy(viommu, idev->dev, vdev->virt_id);
	mutex_lock(&idev->lock);
	if (idev->vdev == vdev)
		idev->vdev = NULL;
	mutex_unlock(&idev->lock);
	/* iofd_idev_remove_vdev() may be waiting for this */
	wake_up_var(&idev->vdev);
	refcount_dec(&viommu->obj.users);
}

int iofd_vdevice_alloc_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct iofd_object *dev_obj, *obj;
	struct iofd_viommu *viommu;
	struct iofd_vdevice *vdev;
	struct iofd_idev *idev;
	void *curr;
	int rc;

	/* virt_id is an xarray index */
	if (cmd->virt_id > ULONG_MAX)
		return -EINVAL;
	obj = iofd_get_object(ucmd->ictx, cmd->viommu_id, IOFD_OBJ_VIOMMU);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	viommu = container_of(obj, struct iofd_viommu, obj);
	dev_obj = iofd_get_object(ucmd->ictx, cmd->dev_id, IOFD_OBJ_DEVICE);
	if (IS_ERR(dev_obj)) {
		rc = PTR_ERR(dev_obj);
		goto out_put_viommu;
	}
	idev = container_of(dev_obj, struct iofd_idev, obj);
	if (idev->dev->driver != viommu->driver) {
		rc = -EINVAL;
		goto out_put_dev;
	}

	vdev = iofd_alloc_obj(ucmd->ictx, vdev, IOFD_OBJ_VDEVICE);
	if (IS_ERR(vdev)) {
		rc = PTR_ERR(vdev);
		goto out_put_dev;
	}
	vdev->viommu = viommu;
	vdev->idev = idev;
	vdev->virt_id = cmd->virt_id;
	refcount_inc(&viommu->obj.users);	/* put by destroy */

	mutex_lock(&idev->lock);
	if (idev->vdev) {
		/* One vDEVICE per device, in whichever vIOMMU */
		rc = -EEXIST;
		goto err_unlock;
	}
	curr = xa_cmpxchg(&viommu->vdevs, cmd->virt_id, NULL, vdev,
			  GFP_KERNEL_ACCOUNT);
	if (curr) {
		rc = xa_is_err(curr) ? xa_err(curr) : -EEXIST;
		goto err_unlock;
	}
	idev->vdev = vdev;
	mutex_unlock(&idev->lock);

	if (viommu->ops && viommu->ops->vdevice_init) {
		rc = viommu->ops->vdevice_init(viommu, idev->dev, cmd->virt_id);
		if (rc)
			goto err_remove;
	}
	cmd->out_vdevice_id = vdev->obj.id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		if (viommu->ops && viommu->ops->vdevice_destroy)
			viommu->ops->vdevice_destroy(viommu, idev->dev,
						     cmd->virt_id);
		goto err_remove;
	}
	iofd_object_finalize(ucmd->ictx, &vdev->obj);
	goto out_put_dev;

err_remove:
	xa_cmpxchg(&viommu->vdevs, cmd->virt_id, vdev, NULL, GFP_KERNEL);
	mutex_lock(&idev->lock);
	idev->vdev = NULL;
err_unlock:
	mutex_unlock(&idev->lock);
	refcount_dec(&viommu->obj.users);
	iofd_object_abort(ucmd->ictx, &vdev->obj);
out_put_dev:
	iofd_object_put(ucmd->ictx, dev_obj);
out_put_viommu:
	iofd_object_put(ucmd->ictx, &viommu->obj);
	return rc;
}

/*
 * The device is being unbound: its vDEVICE goes first, since it points at
 * the device.  Called once no ioctl holds the device anymore, so no new
 * vDEVICE can appear; one being destroyed by userspace meanwhile is waited
 * for.
 */
void iofd_idev_remove_vdev(struct iofd_idev *idev)
{
	struct iofd_ctx *ictx = idev->ictx;
	struct iofd_vdevice *vdev;
	bool ours = false;

	mutex_lock(&idev->lock);
	vdev = idev->vdev;
	mutex_unlock(&idev->lock);
	if (!vdev)
		return;

	xa_lock(&ictx->objects);
	if (xa_load(&ictx->objects, vdev->obj.id) == &vdev->obj) {
		__xa_erase(&ictx->objects, vdev->obj.id);
		ours = true;
	}
	xa_unlock(&ictx->objects);
	if (ours) {
		/* The table's reference is now ours; wait out lookups */
		wait_var_event(&vdev->obj.users,
			       refcount_read(&vdev->obj.users) == 1);
		iofd_object_destroy(&vdev->obj);
		return;
	}
	wait_var_event(&idev->vdev, !READ_ONCE(idev->vdev));
}
