// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/iommu: the file, the per-file object table and the ioctl dispatcher.
 *
 * Every ioctl is a struct whose first u32 is its size.  The dispatcher
 * refuses sizes below the command's first version (-EINVAL), copies the
 * user's struct into a kernel buffer zero-extended to the kernel's size
 * (copy_struct_from_user(): non-zero bytes the kernel does not know are
 * -E2BIG) and hands the kernel copy to the handler, which answers through
 * iofd_ucmd_respond().  This keeps old and new userspace working across
 * struct growth, exactly as upstream iommufd does.
 */
#define pr_fmt(fmt) "iofd: " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>
#include <linux/iommufd.h>
#include <linux/iommufd_test.h>
#include "iofd_private.h"

/*
 * The IOMMU_TEST_CMD handler of the mock driver.  Read under RCU and pinned
 * with try_module_get() for the duration of one call.
 */
struct iofd_test_hook {
	int (*handler)(struct iofd_ucmd *ucmd);
	struct module *owner;
};
static struct iofd_test_hook __rcu *iofd_test_hook;
static DEFINE_MUTEX(iofd_test_hook_lock);

struct iofd_object *iofd_object_alloc(struct iofd_ctx *ictx, size_t size,
				      enum iofd_object_type type)
{
	struct iofd_object *obj;
	int rc;

	if (iofd_should_fail())
		return ERR_PTR(-ENOMEM);
	obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	refcount_set(&obj->users, 1);
	/*
	 * Reserve the ID with a zero entry: lookups see nothing until
	 * iofd_object_finalize() stores the object.
	 */
	rc = xa_alloc(&ictx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_31b,
		      GFP_KERNEL_ACCOUNT);
	if (rc) {
		kfree(obj);
		return ERR_PTR(rc);
	}
	return obj;
}

void iofd_object_finalize(struct iofd_ctx *ictx, struct iofd_object *obj)
{
	void *old;

	old = xa_store(&ictx->objects, obj->id, obj, GFP_KERNEL);
	/* A reserved entry is never replaced by anything else */
	WARN_ON(old);
}

void iofd_object_abort(struct iofd_ctx *ictx, struct iofd_object *obj)
{
	void *old;

	old = xa_erase(&ictx->objects, obj->id);
	WARN_ON(old);
	kfree(obj);
}

static void iofd_driver_object_destroy(struct iofd_object *obj)
{
	struct iofd_driver_object *dobj =
		container_of(obj, struct iofd_driver_object, obj);

	dobj->destroy(dobj);
}

static void iofd_ioas_obj_destroy(struct iofd_object *obj)
{
	iofd_ioas_destroy(obj);
}

static const struct {
	void (*destroy)(struct iofd_object *obj);
} iofd_object_ops[IOFD_OBJ_MAX] = {
	[IOFD_OBJ_DEVICE] = { .destroy = iofd_idev_destroy },
	[IOFD_OBJ_HWPT_PAGING] = { .destroy = iofd_hwpt_paging_destroy },
	[IOFD_OBJ_HWPT_NESTED] = { .destroy = iofd_hwpt_nested_destroy },
	[IOFD_OBJ_IOAS] = { .destroy = iofd_ioas_obj_destroy },
	[IOFD_OBJ_VIOMMU] = { .destroy = iofd_viommu_destroy },
	[IOFD_OBJ_VDEVICE] = { .destroy = iofd_vdevice_destroy },
	[IOFD_OBJ_DRIVER] = { .destroy = iofd_driver_object_destroy },
};

/* Release everything @obj holds and free it; nothing may reach it anymore */
void iofd_object_destroy(struct iofd_object *obj)
{
	iofd_object_ops[obj->type].destroy(obj);
	kfree(obj);
}

/* For an object whose creation failed after its fields were set up */
void iofd_object_abort_and_destroy(struct iofd_ctx *ictx,
				   struct iofd_object *obj)
{
	void *old;

	old = xa_erase(&ictx->objects, obj->id);
	WARN_ON(old);
	iofd_object_destroy(obj);
}

/*
 * Look up @id; IOFD_OBJ_ANY accepts every type.  The reference is dropped
 * with iofd_object_put().
 */
struct iofd_object *iofd_get_object(struct iofd_ctx *ictx, u32 id,
				    enum iofd_object_type type)
{
	struct iofd_object *obj;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	if (!obj || (type != IOFD_OBJ_ANY && obj->type != type) ||
	    !refcount_inc_not_zero(&obj->users))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ictx->objects);
	return obj;
}

void iofd_object_put(struct iofd_ctx *ictx, struct iofd_object *obj)
{
	/* Read before the reference that keeps @obj alive is dropped */
	u32 type = obj->type;

	/* Zero only after the ID was taken away (unbind, remove_kernel) */
	if (refcount_dec_and_test(&obj->users)) {
		iofd_object_destroy(obj);
		return;
	}
	/* Unbind waits for lookups of these to end; only the address is used */
	if (type == IOFD_OBJ_DEVICE || type == IOFD_OBJ_VDEVICE)
		wake_up_var(&obj->users);
}
EXPORT_SYMBOL_GPL(iofd_object_put);

/* Destroy @obj if nothing but the table references it; for auto domains */
bool iofd_object_try_destroy(struct iofd_ctx *ictx, struct iofd_object *obj)
{
	xa_lock(&ictx->objects);
	if (xa_load(&ictx->objects, obj->id) != obj ||
	    !refcount_dec_if_one(&obj->users)) {
		xa_unlock(&ictx->objects);
		return false;
	}
	__xa_erase(&ictx->objects, obj->id);
	xa_unlock(&ictx->objects);
	iofd_object_destroy(obj);
	return true;
}

static int iofd_destroy_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;
	struct iofd_ctx *ictx = ucmd->ictx;
	struct iofd_object *obj;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, cmd->id);
	if (!obj) {
		xa_unlock(&ictx->objects);
		return -ENOENT;
	}
	/* Dependents and in-flight users hold references: refuse, never wait */
	if (!refcount_dec_if_one(&obj->users)) {
		xa_unlock(&ictx->objects);
		return -EBUSY;
	}
	__xa_erase(&ictx->objects, obj->id);
	xa_unlock(&ictx->objects);
	iofd_object_destroy(obj);
	return 0;
}

/* Driver objects (the mock's selftest objects) */
struct iofd_driver_object *
iofd_driver_object_alloc(struct iofd_ctx *ictx, size_t size,
			 void (*destroy)(struct iofd_driver_object *dobj))
{
	struct iofd_object *obj;

	if (WARN_ON(size < sizeof(struct iofd_driver_object)))
		return ERR_PTR(-EINVAL);
	obj = iofd_object_alloc(ictx, size, IOFD_OBJ_DRIVER);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	container_of(obj, struct iofd_driver_object, obj)->destroy = destroy;
	return container_of(obj, struct iofd_driver_object, obj);
}
EXPORT_SYMBOL_GPL(iofd_driver_object_alloc);

void iofd_driver_object_finalize(struct iofd_ctx *ictx,
				 struct iofd_driver_object *dobj)
{
	iofd_object_finalize(ictx, &dobj->obj);
}
EXPORT_SYMBOL_GPL(iofd_driver_object_finalize);

void iofd_driver_object_abort(struct iofd_ctx *ictx,
			      struct iofd_driver_object *dobj)
{
	iofd_object_abort(ictx, &dobj->obj);
}
EXPORT_SYMBOL_GPL(iofd_driver_object_abort);

struct iofd_driver_object *
iofd_driver_object_get(struct iofd_ctx *ictx, u32 id,
		       void (*destroy)(struct iofd_driver_object *dobj))
{
	struct iofd_driver_object *dobj;
	struct iofd_object *obj;

	obj = iofd_get_object(ictx, id, IOFD_OBJ_DRIVER);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	dobj = container_of(obj, struct iofd_driver_object, obj);
	/* The destroy op identifies the object kind of the caller */
	if (dobj->destroy != destroy) {
		iofd_object_put(ictx, obj);
		return ERR_PTR(-ENOENT);
	}
	return dobj;
}
EXPORT_SYMBOL_GPL(iofd_driver_object_get);

int iofd_ucmd_respond(struct iofd_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}
EXPORT_SYMBOL_GPL(iofd_ucmd_respond);

static int iofd_test_cmd_ioctl(struct iofd_ucmd *ucmd)
{
	struct iofd_test_hook *hook;
	int (*handler)(struct iofd_ucmd *ucmd) = NULL;
	struct module *owner = NULL;
	int rc;

	rcu_read_lock();
	hook = rcu_dereference(iofd_test_hook);
	if (hook && try_module_get(hook->owner)) {
		handler = hook->handler;
		owner = hook->owner;
	}
	rcu_read_unlock();
	/* Without the mock the command does not exist, as upstream */
	if (!handler)
		return -ENOTTY;
	rc = handler(ucmd);
	module_put(owner);
	return rc;
}

int iofd_test_cmd_register(int (*handler)(struct iofd_ucmd *ucmd),
			   struct module *owner)
{
	struct iofd_test_hook *hook;
	int rc = 0;

	hook = kzalloc(sizeof(*hook), GFP_KERNEL);
	if (!hook)
		return -ENOMEM;
	hook->handler = handler;
	hook->owner = owner;
	mutex_lock(&iofd_test_hook_lock);
	if (rcu_access_pointer(iofd_test_hook)) {
		rc = -EBUSY;
		kfree(hook);
	} else {
		rcu_assign_pointer(iofd_test_hook, hook);
	}
	mutex_unlock(&iofd_test_hook_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iofd_test_cmd_register);

void iofd_test_cmd_unregister(void)
{
	struct iofd_test_hook *hook;

	mutex_lock(&iofd_test_hook_lock);
	hook = rcu_replace_pointer(iofd_test_hook, NULL,
				   lockdep_is_held(&iofd_test_hook_lock));
	mutex_unlock(&iofd_test_hook_lock);
	synchronize_rcu();
	kfree(hook);
}
EXPORT_SYMBOL_GPL(iofd_test_cmd_unregister);

/* Commands of the upstream uAPI that iofd-oot does not implement yet */
static int iofd_not_supported_ioctl(struct iofd_ucmd *ucmd)
{
	return -EOPNOTSUPP;
}

union iofd_ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_fault_alloc fault;
	struct iommu_hw_info info;
	struct iommu_hw_queue_alloc hw_queue;
	struct iommu_hwpt_alloc hwpt;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct iommu_hwpt_invalidate cache;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_change_process change_process;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_map_file map_file;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vdevice_alloc vdev;
	struct iommu_veventq_alloc veventq;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_viommu_alloc viommu;
	struct iommu_test_cmd test;
};

struct iofd_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct iofd_ucmd *ucmd);
};

/* min_size is the end of the last field of the command's first version */
#define IOCTL_OP(_ioctl, _fn, _struct, _last)                                 \
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {                               \
		.size = sizeof(_struct) +                                      \
			BUILD_BUG_ON_ZERO(sizeof(union iofd_ucmd_buffer) <     \
					  sizeof(_struct)),                    \
		.min_size = offsetofend(_struct, _last),                       \
		.ioctl_num = _ioctl,                                           \
		.execute = _fn,                                                \
	}

static const struct iofd_ioctl_op iofd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iofd_destroy_ioctl, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, iofd_not_supported_ioctl,
		 struct iommu_fault_alloc, out_fault_fd),
	IOCTL_OP(IOMMU_GET_HW_INFO, iofd_get_hw_info_ioctl,
		 struct iommu_hw_info, __reserved),
	IOCTL_OP(IOMMU_HW_QUEUE_ALLOC, iofd_not_supported_ioctl,
		 struct iommu_hw_queue_alloc, length),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iofd_hwpt_alloc_ioctl,
		 struct iommu_hwpt_alloc, __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, iofd_not_supported_ioctl,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, iofd_hwpt_invalidate_ioctl,
		 struct iommu_hwpt_invalidate, __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, iofd_not_supported_ioctl,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iofd_ioas_alloc_ioctl,
		 struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iofd_ioas_allow_iovas_ioctl,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_CHANGE_PROCESS, iofd_not_supported_ioctl,
		 struct iommu_ioas_change_process, __reserved),
	IOCTL_OP(IOMMU_IOAS_COPY, iofd_ioas_copy_ioctl,
		 struct iommu_ioas_copy, src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iofd_ioas_iova_ranges_ioctl,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iofd_ioas_map_ioctl, struct iommu_ioas_map,
		 iova),
	IOCTL_OP(IOMMU_IOAS_MAP_FILE, iofd_ioas_map_file_ioctl,
		 struct iommu_ioas_map_file, iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iofd_ioas_unmap_ioctl,
		 struct iommu_ioas_unmap, length),
	IOCTL_OP(IOMMU_OPTION, iofd_option_ioctl, struct iommu_option, val64),
	IOCTL_OP(IOMMU_VDEVICE_ALLOC, iofd_vdevice_alloc_ioctl,
		 struct iommu_vdevice_alloc, virt_id),
	IOCTL_OP(IOMMU_VEVENTQ_ALLOC, iofd_not_supported_ioctl,
		 struct iommu_veventq_alloc, out_veventq_fd),
	IOCTL_OP(IOMMU_VFIO_IOAS, iofd_not_supported_ioctl,
		 struct iommu_vfio_ioas, __reserved),
	IOCTL_OP(IOMMU_VIOMMU_ALLOC, iofd_viommu_alloc_ioctl,
		 struct iommu_viommu_alloc, out_viommu_id),
	IOCTL_OP(IOMMU_TEST_CMD, iofd_test_cmd_ioctl, struct iommu_test_cmd,
		 last),
};

static long iofd_fops_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct iofd_ctx *ictx = filp->private_data;
	const struct iofd_ioctl_op *op;
	union iofd_ucmd_buffer buf;
	struct iofd_ucmd ucmd = {};
	unsigned int nr;
	int rc;

	nr = _IOC_NR(cmd);
	if (nr < IOMMUFD_CMD_BASE ||
	    (nr - IOMMUFD_CMD_BASE) >= ARRAY_SIZE(iofd_ioctl_ops))
		return -ENOTTY;
	op = &iofd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOTTY;

	ucmd.ictx = ictx;
	ucmd.ubuffer = (void __user *)arg;
	rc = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (rc)
		return rc;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ucmd.cmd = &buf;
	rc = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				   ucmd.user_size);
	if (rc)
		return rc;
	return op->execute(&ucmd);
}

static int iofd_fops_open(struct inode *inode, struct file *filp)
{
	struct iofd_ctx *ictx;

	ictx = kzalloc(sizeof(*ictx), GFP_KERNEL_ACCOUNT);
	if (!ictx)
		return -ENOMEM;
	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	ictx->file = filp;
	ictx->account_mode = IOFD_ACCOUNT_USER;
	filp->private_data = ictx;
	return 0;
}

/*
 * Close destroys every object.  Objects are destroyed only once nothing
 * else depends on them, so repeat passes free the leaves first; a pass
 * without progress means a reference leaked, which is a core bug.
 */
static int iofd_fops_release(struct inode *inode, struct file *filp)
{
	struct iofd_ctx *ictx = filp->private_data;
	struct iofd_object *obj;
	unsigned long index;
	bool progress;

	do {
		progress = false;
		xa_for_each(&ictx->objects, index, obj) {
			if (!refcount_dec_if_one(&obj->users))
				continue;
			xa_erase(&ictx->objects, index);
			iofd_object_destroy(obj);
			progress = true;
		}
	} while (progress);
	WARN_ON(!xa_empty(&ictx->objects));
	xa_destroy(&ictx->objects);
	kfree(ictx);
	return 0;
}

static const struct file_operations iofd_fops = {
	.owner = THIS_MODULE,
	.open = iofd_fops_open,
	.release = iofd_fops_release,
	.unlocked_ioctl = iofd_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

struct iofd_ctx *iofd_ctx_from_file(struct file *file)
{
	if (file->f_op != &iofd_fops)
		return ERR_PTR(-EBADFD);
	get_file(file);
	return file->private_data;
}
EXPORT_SYMBOL_GPL(iofd_ctx_from_file);

void iofd_ctx_put(struct iofd_ctx *ictx)
{
	fput(ictx->file);
}
EXPORT_SYMBOL_GPL(iofd_ctx_put);

static struct miscdevice iofd_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu",
	.fops = &iofd_fops,
	.nodename = "iommu",
	.mode = 0660,
};

static int __init iofd_init(void)
{
	int rc;

	rc = iofd_fail_init();
	if (rc)
		return rc;
	rc = misc_register(&iofd_misc);
	if (rc)
		goto out_fail;
	rc = iofd_pci_init();
	if (rc)
		goto out_misc;
	pr_info("version %s: /dev/iommu ready (iommufd uAPI, commands 0x%x-0x%x)\n",
		IOFD_VERSION, IOMMUFD_CMD_BASE, IOMMUFD_CMD_HW_QUEUE_ALLOC);
	return 0;

out_misc:
	misc_deregister(&iofd_misc);
out_fail:
	iofd_fail_exit();
	return rc;
}

static void __exit iofd_exit(void)
{
	iofd_pci_exit();
	misc_deregister(&iofd_misc);
	iofd_fail_exit();
}

module_init(iofd_init);
module_exit(iofd_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("iofd-oot");
MODULE_DESCRIPTION("Out-of-tree iommufd: /dev/iommu object core");
MODULE_VERSION(IOFD_VERSION);
