// SPDX-License-Identifier: GPL-2.0
/*
 * Accesses: CPU access to an IOAS on behalf of an emulated device (the
 * model of a mediated driver; the mock driver's CREATE_ACCESS uses it).
 *
 * An access pins IOVA ranges by counting them on the areas
 * (iopt_area.num_accesses); the pages are already pinned by the area.
 * IOAS_UNMAP of a counted area first calls every attached access's
 * ->unmap callback, which must unpin.
 *
 * Locking: access->lock serialises attach/replace/detach and pin/rw; it
 * is taken before io_pagetable.accesses_lock.  The ->unmap callbacks run
 * under io_pagetable.notify_lock only, holding a reference on the access:
 * the callback may take the access user's own lock, which that user also
 * holds around iofd_access_pin_pages().  unpin takes no access lock: it
 * relies on @num_pins, which keeps the IOAS attached until every pin is
 * undone.
 */
#include <linux/slab.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/wait_bit.h>
#include "iofd_private.h"
#include "validate.h"

/*
 * @users: 1 for the owner until iofd_access_destroy(), +1 while an unmap
 *	notification calls into it; destroy waits for the count to drain
 */
struct iofd_access_priv {
	struct iofd_access access;
	atomic_t num_pins;
	refcount_t users;
};

static struct iofd_access_priv *to_priv(struct iofd_access *access)
{
	return container_of(access, struct iofd_access_priv, access);
}

/* Holds a reference on the context's file until iofd_access_destroy() */
struct iofd_access *iofd_access_create(struct iofd_ctx *ictx,
				       const struct iofd_access_ops *ops,
				       void *data)
{
	struct iofd_access_priv *priv;

	if (iofd_should_fail())
		return ERR_PTR(-ENOMEM);
	priv = kzalloc(sizeof(*priv), GFP_KERNEL_ACCOUNT);
	if (!priv)
		return ERR_PTR(-ENOMEM);
	priv->access.ictx = ictx;
	priv->access.ops = ops;
	priv->access.data = data;
	mutex_init(&priv->access.lock);
	INIT_LIST_HEAD(&priv->access.iopt_node);
	atomic_set(&priv->num_pins, 0);
	refcount_set(&priv->users, 1);
	get_file(ictx->file);
	return &priv->access;
}
EXPORT_SYMBOL_GPL(iofd_access_create);

static void __iofd_access_detach(struct iofd_access *access)
{
	struct iofd_ioas *ioas = access->ioas;

	lockdep_assert_held(&access->lock);
	if (!ioas)
		return;
	mutex_lock(&ioas->iopt.accesses_lock);
	list_del_init(&access->iopt_node);
	mutex_unlock(&ioas->iopt.accesses_lock);
	access->ioas = NULL;
	iofd_object_put(access->ictx, &ioas->obj);
}

/* Attach to @ioas_id; the lookup reference becomes the access's own */
static int __iofd_access_attach(struct iofd_access *access, u32 ioas_id)
{
	struct iofd_ioas *ioas;

	lockdep_assert_held(&access->lock);
	ioas = iofd_get_ioas(access->ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	mutex_lock(&ioas->iopt.accesses_lock);
	list_add_tail(&access->iopt_node, &ioas->iopt.accesses);
	mutex_unlock(&ioas->iopt.accesses_lock);
	access->ioas = ioas;
	return 0;
}

int iofd_access_attach(struct iofd_access *access, u32 ioas_id)
{
	int rc = -EINVAL;

	mutex_lock(&access->lock);
	if (!access->ioas)
		rc = __iofd_access_attach(access, ioas_id);
	mutex_unlock(&access->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iofd_access_attach);

/*
 * Move to another IOAS.  Pins in the old one are dropped first through the
 * access's ->unmap callback, as upstream; -EBUSY if some remain.
 */
int iofd_access_replace(struct iofd_access *access, u32 ioas_id)
{
	struct iofd_ioas *old;
	int rc;

	mutex_lock(&access->lock);
	old = access->ioas;
	if (!old) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (old->obj.id == ioas_id) {
		rc = 0;
		goto out_unlock;
	}
	/* Keep the old IOAS alive while the access moves */
	refcount_inc(&old->obj.users);
	mutex_unlock(&access->lock);
	if (atomic_read(&to_priv(access)->num_pins) && access->ops->unmap)
		access->ops->unmap(access->data, 0, ULONG_MAX);
	mutex_lock(&access->lock);
	if (access->ioas != old) {
		/* Raced with another replace or a detach */
		rc = -EBUSY;
		goto out_put_old;
	}
	if (atomic_read(&to_priv(access)->num_pins)) {
		rc = -EBUSY;
		goto out_put_old;
	}
	__iofd_access_detach(access);
	rc = __iofd_access_attach(access, ioas_id);
	if (rc) {
		/* Back to the old IOAS, with the reference taken above */
		mutex_lock(&old->iopt.accesses_lock);
		list_add_tail(&access->iopt_node, &old->iopt.accesses);
		mutex_unlock(&old->iopt.accesses_lock);
		access->ioas = old;
		goto out_unlock;
	}
out_put_old:
	iofd_object_put(access->ictx, &old->obj);
out_unlock:
	mutex_unlock(&access->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iofd_access_replace);

void iofd_access_detach(struct iofd_access *access)
{
	mutex_lock(&access->lock);
	WARN_ON(atomic_read(&to_priv(access)->num_pins));
	__iofd_access_detach(access);
	mutex_unlock(&access->lock);
}
EXPORT_SYMBOL_GPL(iofd_access_detach);

void iofd_access_destroy(struct iofd_access *access)
{
	struct iofd_access_priv *priv = to_priv(access);
	struct iofd_ctx *ictx = access->ictx;

	iofd_access_detach(access);
	/* A notification may still be calling into it */
	if (!refcount_dec_and_test(&priv->users))
		wait_var_event(&priv->users, !refcount_read(&priv->users));
	mutex_destroy(&access->lock);
	kfree(priv);
	iofd_ctx_put(ictx);
}
EXPORT_SYMBOL_GPL(iofd_access_destroy);

/*
 * Check that [iova, last] is mapped without holes and, for @write, writable.
 * Caller holds the rwsem.
 */
static int iofd_access_check_range(struct io_pagetable *iopt,
				   unsigned long iova, unsigned long last,
				   bool write, bool page_congruent)
{
	struct iopt_area *area;
	unsigned long cur = iova;

	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		if (area->node.start > cur)
			return -ENOENT;
		if (write && !(area->prot & IOFD_PROT_WRITE))
			return -EPERM;
		/* IOVA pages must be whole pages to hand out struct pages */
		if (page_congruent &&
		    ((area->node.start - area->pages_offset) & ~PAGE_MASK))
			return -EINVAL;
		if (area->node.last >= last)
			return 0;
		cur = area->node.last + 1;
	}
	return -ENOENT;
}

/*
 * Lock @access and its IOAS for reading [iova, iova + length), after
 * checking the range is mapped (and writable for @write).  Returns the
 * IOAS's io_pagetable, released by iofd_access_unlock(), or an ERR_PTR.
 */
static struct io_pagetable *iofd_access_lock_range(struct iofd_access *access,
						   unsigned long iova,
						   unsigned long length,
						   bool write,
						   bool page_congruent,
						   unsigned long *last)
{
	struct io_pagetable *iopt;
	int rc;

	rc = iofd_check_range(iova, length, last);
	if (rc)
		return ERR_PTR(rc);
	mutex_lock(&access->lock);
	if (!access->ioas) {
		mutex_unlock(&access->lock);
		return ERR_PTR(-EINVAL);
	}
	iopt = &access->ioas->iopt;
	down_read(&iopt->rwsem);
	rc = iofd_access_check_range(iopt, iova, *last, write, page_congruent);
	if (rc) {
		up_read(&iopt->rwsem);
		mutex_unlock(&access->lock);
		return ERR_PTR(rc);
	}
	return iopt;
}

static void iofd_access_unlock(struct iofd_access *access,
			       struct io_pagetable *iopt)
{
	up_read(&iopt->rwsem);
	mutex_unlock(&access->lock);
}

int iofd_access_pin_pages(struct iofd_access *access, unsigned long iova,
			  unsigned long length, struct page **out_pages,
			  unsigned int flags)
{
	unsigned long last, cur, filled = 0;
	struct io_pagetable *iopt;
	struct iopt_area *area;
	bool filled_any = false;

	if (iofd_should_fail())
		return -ENOMEM;
	iopt = iofd_access_lock_range(access, iova, length,
				      flags & IOFD_ACCESS_RW_WRITE, true, &last);
	if (IS_ERR(iopt))
		return PTR_ERR(iopt);
	cur = iova;
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		unsigned long area_last = min(last, area->node.last);
		unsigned int offset;

		atomic_inc(&area->num_accesses);
		/*
		 * One struct page per IOVA page touched.  Two areas can meet
		 * inside one IOVA page (half-page alignment): that page got
		 * its entry from the first area already.
		 */
		while (true) {
			if (!filled_any || (cur >> PAGE_SHIFT) != filled) {
				*out_pages++ = iopt_area_page(area, cur, &offset);
				filled = cur >> PAGE_SHIFT;
				filled_any = true;
			}
			if ((cur | ~PAGE_MASK) >= area_last)
				break;
			cur = (cur | ~PAGE_MASK) + 1;
		}
		if (area_last == last)
			break;
		cur = area_last + 1;
	}
	atomic_inc(&to_priv(access)->num_pins);
	iofd_access_unlock(access, iopt);
	return 0;
}
EXPORT_SYMBOL_GPL(iofd_access_pin_pages);

/* Must match an earlier iofd_access_pin_pages() range exactly */
void iofd_access_unpin_pages(struct iofd_access *access, unsigned long iova,
			     unsigned long length)
{
	struct iofd_ioas *ioas = READ_ONCE(access->ioas);
	struct iopt_area *area;
	unsigned long last;

	if (WARN_ON(!ioas || !length ||
		    check_add_overflow(iova, length - 1, &last)))
		return;
	down_read(&ioas->iopt.rwsem);
	for (area = iopt_area_first(&ioas->iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last))
		WARN_ON(atomic_dec_if_positive(&area->num_accesses) < 0);
	up_read(&ioas->iopt.rwsem);
	WARN_ON(atomic_dec_if_positive(&to_priv(access)->num_pins) < 0);
}
EXPORT_SYMBOL_GPL(iofd_access_unpin_pages);

/* Copy between @data and the IOAS, byte-exact, through the pinned pages */
int iofd_access_rw(struct iofd_access *access, unsigned long iova, void *data,
		   size_t length, unsigned int flags)
{
	bool write = flags & IOFD_ACCESS_RW_WRITE;
	struct io_pagetable *iopt;
	struct iopt_area *area;
	unsigned long last, cur;

	iopt = iofd_access_lock_range(access, iova, length, write, false,
				      &last);
	if (IS_ERR(iopt))
		return PTR_ERR(iopt);
	cur = iova;
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		unsigned long area_last = min(last, area->node.last);

		while (cur <= area_last) {
			unsigned int offset;
			struct page *page = iopt_area_page(area, cur, &offset);
			size_t chunk = min_t(unsigned long,
					     PAGE_SIZE - offset,
					     area_last - cur + 1);
			void *va = kmap_local_page(page);

			if (write) {
				memcpy(va + offset, data, chunk);
				set_page_dirty_lock(page);
			} else {
				memcpy(data, va + offset, chunk);
			}
			kunmap_local(va);
			data += chunk;
			cur += chunk;
			if (!cur)
				break;
		}
		if (area_last == last)
			break;
	}
	iofd_access_unlock(access, iopt);
	return 0;
}
EXPORT_SYMBOL_GPL(iofd_access_rw);

/*
 * IOAS_UNMAP found areas counted by accesses: ask every access of the IOAS
 * to drop its pins in the range.  Runs without the rwsem held.  Each
 * callback runs with no core lock but notify_lock, holding a reference on
 * the access; after each one the list is walked again from the start,
 * skipping accesses already called in this round (notify_seq).
 */
void iofd_access_notify_unmap(struct io_pagetable *iopt, unsigned long iova,
			      unsigned long length)
{
	struct iofd_access_priv *priv;
	struct iofd_access *access;
	u64 seq;

	mutex_lock(&iopt->notify_lock);
	seq = ++iopt->notify_seq;
	for (;;) {
		priv = NULL;
		mutex_lock(&iopt->accesses_lock);
		list_for_each_entry(access, &iopt->accesses, iopt_node) {
			if (access->notify_seq == seq)
				continue;
			access->notify_seq = seq;
			priv = to_priv(access);
			refcount_inc(&priv->users);
			break;
		}
		mutex_unlock(&iopt->accesses_lock);
		if (!priv)
			break;
		if (priv->access.ops && priv->access.ops->unmap)
			priv->access.ops->unmap(priv->access.data, iova, length);
		if (refcount_dec_and_test(&priv->users))
			wake_up_var(&priv->users);
	}
	mutex_unlock(&iopt->notify_lock);
}

int iofd_test_add_reserved(struct iofd_ctx *ictx, u32 ioas_id,
			   unsigned long start, unsigned long length)
{
	struct iofd_ioas *ioas;
	unsigned long last;
	int rc;

	rc = iofd_check_range(start, length, &last);
	if (rc)
		return rc;
	ioas = iofd_get_ioas(ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_reserve(&ioas->iopt, start, last, NULL);
	iofd_object_put(ictx, &ioas->obj);
	return rc;
}
EXPORT_SYMBOL_GPL(iofd_test_add_reserved);
