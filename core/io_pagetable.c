// SPDX-License-Identifier: GPL-2.0
/*
 * The IOVA space of an IOAS: areas (mappings), reserved and allowed
 * ranges, and the domains that mirror the areas in hardware page tables.
 *
 * Every area is mapped into every domain of the IOAS with the same IOVA
 * boundaries; a domain is unmapped area by area, so a driver only ever sees
 * unmaps that cover whole earlier map calls.  Areas are never split:
 * IOAS_UNMAP must cover each area it touches completely (-ENOENT
 * otherwise), as upstream iommufd requires outside its VFIO compatibility
 * layer.
 *
 * Alignment: an area's IOVA, length and offset into its first page are
 * aligned to iova_alignment, the largest smallest-IOPTE of the domains.
 * That keeps IOVA and physical address congruent modulo every IOPTE size a
 * domain may use for it.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/io.h>
#include "iofd_private.h"
#include "iova_alloc.h"
#include "validate.h"

static struct iopt_area *to_area(struct interval_tree_node *node)
{
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

struct iopt_area *iopt_area_first(struct io_pagetable *iopt,
				  unsigned long start, unsigned long last)
{
	return to_area(interval_tree_iter_first(&iopt->area_itree, start,
						last));
}

struct iopt_area *iopt_area_next(struct iopt_area *area, unsigned long start,
				 unsigned long last)
{
	return to_area(interval_tree_iter_next(&area->node, start, last));
}

static unsigned long iopt_area_length(struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

struct page *iopt_area_page(struct iopt_area *area, unsigned long iova,
			    unsigned int *offset)
{
	unsigned long byte = area->pages_offset + (iova - area->node.start);

	*offset = byte & ~PAGE_MASK;
	return area->pages->pages[byte >> PAGE_SHIFT];
}

void iopt_init(struct io_pagetable *iopt)
{
	init_rwsem(&iopt->rwsem);
	iopt->area_itree = RB_ROOT_CACHED;
	iopt->reserved_itree = RB_ROOT_CACHED;
	iopt->allowed_itree = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&iopt->domains);
	mutex_init(&iopt->accesses_lock);
	mutex_init(&iopt->notify_lock);
	INIT_LIST_HEAD(&iopt->accesses);
	iopt->iova_alignment = 1;
}

/* Free every node of an interval tree whose nodes are kmalloc'ed structs */
void iopt_free_itree(struct rb_root_cached *root, size_t node_offset)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(root, 0, ULONG_MAX))) {
		interval_tree_remove(node, root);
		kfree((void *)node - node_offset);
	}
}

static unsigned long iopt_domain_pgsizes(struct io_pagetable *iopt,
					 struct iofd_domain *domain)
{
	unsigned long pgsizes = domain->pgsize_bitmap;

	if (iopt->disable_large_pages) {
		unsigned long small = pgsizes & GENMASK(PAGE_SHIFT, 0);

		/* Never below the domain's smallest size */
		pgsizes = small ? small : 1UL << __ffs(pgsizes);
	}
	return pgsizes;
}

static void iopt_domain_unmap(struct iofd_domain *domain, unsigned long iova,
			      unsigned long length)
{
	unsigned long pgsize = 1UL << __ffs(domain->pgsize_bitmap);
	size_t unmapped;

	unmapped = domain->ops->unmap_pages(domain, iova, pgsize,
					    length / pgsize);
	WARN_ON(unmapped != length);
}

/*
 * Map one area into one domain, merging physically contiguous pages into
 * the largest IOPTEs the domain supports.  On failure nothing of the area
 * stays mapped.
 */
static int iopt_area_map_domain(struct io_pagetable *iopt,
				struct iopt_area *area,
				struct iofd_domain *domain)
{
	unsigned long pgsizes = iopt_domain_pgsizes(iopt, domain);
	unsigned long iova = area->node.start;
	unsigned long left = iopt_area_length(area);
	unsigned long done = 0;
	int rc = 0;

	while (left) {
		unsigned long run, pgsize, count;
		unsigned int offset;
		struct page *page;
		phys_addr_t paddr;
		size_t mapped = 0;

		page = iopt_area_page(area, iova, &offset);
		paddr = page_to_phys(page) + offset;
		/* Extend the run while the next page follows physically */
		run = min_t(unsigned long, left, PAGE_SIZE - offset);
		while (run < left) {
			unsigned int next_off;
			struct page *next;

			next = iopt_area_page(area, iova + run, &next_off);
			if (page_to_phys(next) != paddr + run)
				break;
			run += min_t(unsigned long, left - run, PAGE_SIZE);
		}

		while (run) {
			pgsize = iova_pick_pgsize(pgsizes, iova, paddr, run);
			if (WARN_ON(!pgsize)) {
				rc = -EINVAL;
				goto err_unmap;
			}
			/* As many IOPTEs of that size as stay aligned */
			count = run / pgsize;
			if (iofd_should_fail()) {
				rc = -ENOMEM;
				goto err_unmap;
			}
			rc = domain->ops->map_pages(domain, iova, paddr, pgsize,
						    count, area->prot,
						    GFP_KERNEL_ACCOUNT,
						    &mapped);
			done += mapped;
			if (rc)
				goto err_unmap;
			if (WARN_ON(mapped != pgsize * count)) {
				rc = -EINVAL;
				goto err_unmap;
			}
			iova += mapped;
			paddr += mapped;
			run -= mapped;
			left -= mapped;
		}
		cond_resched();
	}
	return 0;

err_unmap:
	if (done)
		iopt_domain_unmap(domain, area->node.start, done);
	return rc;
}

static bool iopt_area_aligned(struct iopt_area *area, unsigned long alignment)
{
	return iova_range_aligned(area->node.start, iopt_area_length(area),
				  area->pages_offset, alignment);
}

/* Insert @area into the tree and every domain; caller holds rwsem (write) */
static int iopt_insert_area(struct io_pagetable *iopt, struct iopt_area *area)
{
	struct iofd_hwpt_paging *hwpt, *failed;
	int rc;

	lockdep_assert_held_write(&iopt->rwsem);
	list_for_each_entry(hwpt, &iopt->domains, iopt_node) {
		rc = iopt_area_map_domain(iopt, area, hwpt->common.domain);
		if (rc) {
			failed = hwpt;
			goto err_unmap;
		}
	}
	interval_tree_insert(&area->node, &iopt->area_itree);
	return 0;

err_unmap:
	list_for_each_entry(hwpt, &iopt->domains, iopt_node) {
		if (hwpt == failed)
			break;
		iopt_domain_unmap(hwpt->common.domain, area->node.start,
				  iopt_area_length(area));
	}
	return rc;
}

/* May [iova, iova + length) be used for a new area? Caller holds rwsem */
static int iopt_check_new_range(struct io_pagetable *iopt, unsigned long iova,
				unsigned long length)
{
	unsigned long last;

	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (interval_tree_iter_first(&iopt->reserved_itree, iova, last))
		return -EINVAL;
	if (iopt_area_first(iopt, iova, last))
		return -EEXIST;
	return 0;
}

/*
 * Choose an IOVA for @length bytes.  @align_hint is an address the IOVA
 * should share low bits with (the user VA, the source IOVA of a copy): its
 * alignment is kept so huge folios can get huge IOPTEs.  Caller holds the
 * rwsem.
 */
static int __iopt_alloc_iova(struct io_pagetable *iopt, unsigned long length,
			     unsigned long align_hint, unsigned long *iova)
{
	unsigned long align;

	align = iova_auto_alignment(length, align_hint, iopt->iova_alignment);
	return iova_find_free(&iopt->allowed_itree, &iopt->reserved_itree,
			      &iopt->area_itree, length, align, iova);
}

/*
 * Create an area of @length bytes at @iova mapping @pages from byte
 * @pages_offset, in the tree and every domain.  Caller holds the rwsem for
 * writing.  Takes a reference on @pages only on success.
 */
static int __iopt_map_area(struct io_pagetable *iopt, struct iopt_pages *pages,
			   unsigned long pages_offset, unsigned long iova,
			   unsigned long length, int prot)
{
	struct iopt_area *area;
	int rc;

	lockdep_assert_held_write(&iopt->rwsem);
	rc = iopt_check_new_range(iopt, iova, length);
	if (rc)
		return rc;
	if (iofd_should_fail())
		return -ENOMEM;
	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return -ENOMEM;
	area->pages = pages;
	area->pages_offset = pages_offset;
	area->prot = prot;
	atomic_set(&area->num_accesses, 0);
	area->node.start = iova;
	area->node.last = iova + length - 1;
	if (!iopt_area_aligned(area, iopt->iova_alignment)) {
		rc = -EINVAL;
		goto err_free;
	}
	rc = iopt_insert_area(iopt, area);
	if (rc)
		goto err_free;
	kref_get(&pages->kref);
	return 0;

err_free:
	kfree(area);
	return rc;
}

/*
 * Map @length bytes of @pages from byte @pages_offset.  With @fixed,
 * *@iova is the IOVA to use; else one is chosen (see __iopt_alloc_iova()
 * for @align_hint) and returned.  Choosing and inserting happen under one
 * hold of the lock, so concurrent maps never race for the same IOVA.
 */
int iopt_map_pages(struct io_pagetable *iopt, struct iopt_pages *pages,
		   unsigned long pages_offset, unsigned long align_hint,
		   unsigned long *iova, unsigned long length, int prot,
		   bool fixed)
{
	int rc = 0;

	if (!length)
		return -EINVAL;
	down_write(&iopt->rwsem);
	if (!fixed)
		rc = __iopt_alloc_iova(iopt, length, align_hint, iova);
	if (!rc)
		rc = __iopt_map_area(iopt, pages, pages_offset, *iova, length,
				     prot);
	up_write(&iopt->rwsem);
	return rc;
}

/* How often IOAS_UNMAP asks accesses to let go before failing with -EBUSY */
#define IOFD_UNMAP_NOTIFY_TRIES 100

/* Remove @area from the tree and every domain; caller holds rwsem (write) */
static void iopt_remove_area(struct io_pagetable *iopt, struct iopt_area *area)
{
	struct iofd_hwpt_paging *hwpt;

	lockdep_assert_held_write(&iopt->rwsem);
	list_for_each_entry(hwpt, &iopt->domains, iopt_node)
		iopt_domain_unmap(hwpt->common.domain, area->node.start,
				  iopt_area_length(area));
	interval_tree_remove(&area->node, &iopt->area_itree);
}

/*
 * Unmap every area inside [iova, iova + length).  An area crossing either
 * edge fails the whole call with -ENOENT before anything is unmapped.
 * Areas pinned by an emulated-device access are first offered to the
 * access's unmap callback.
 */
int iopt_unmap(struct io_pagetable *iopt, unsigned long iova,
	       unsigned long length, unsigned long *unmapped)
{
	unsigned long last;
	int rc;

	rc = iofd_check_range(iova, length, &last);
	if (rc)
		return rc;
	return iopt_unmap_range(iopt, iova, last, unmapped);
}

/* As iopt_unmap() on [iova, last]: "all", [0, ULONG_MAX], has no length */
int iopt_unmap_range(struct io_pagetable *iopt, unsigned long iova,
		     unsigned long last, unsigned long *unmapped)
{
	struct iopt_area *area, *next;
	unsigned long total = 0;
	unsigned int notified = 0;
	/* The callbacks take a length; the whole space is ULONG_MAX of it */
	unsigned long length = (last - iova + 1) ?: ULONG_MAX;
	LIST_HEAD(dead);
	int rc;

again:
	down_write(&iopt->rwsem);
	rc = -ENOENT;
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		if (area->node.start < iova || area->node.last > last) {
			rc = -ENOENT;
			goto out_unlock;
		}
		if (atomic_read(&area->num_accesses)) {
			/*
			 * An access may pin again between the notification and
			 * the retry; give up only if it keeps doing so.
			 */
			if (notified++ == IOFD_UNMAP_NOTIFY_TRIES) {
				rc = -EBUSY;
				goto out_unlock;
			}
			up_write(&iopt->rwsem);
			iofd_access_notify_unmap(iopt, iova, length);
			goto again;
		}
		rc = 0;
	}
	if (rc)
		goto out_unlock;

	area = iopt_area_first(iopt, iova, last);
	while (area) {
		next = iopt_area_next(area, iova, last);
		total += iopt_area_length(area);
		iopt_remove_area(iopt, area);
		/* Reuse the tree node as list linkage: it left the tree */
		area->node.rb.__rb_parent_color = 0;
		list_add((struct list_head *)&area->node.rb, &dead);
		area = next;
	}
out_unlock:
	up_write(&iopt->rwsem);

	while (!list_empty(&dead)) {
		struct list_head *entry = dead.next;

		list_del(entry);
		area = container_of((struct rb_node *)entry, struct iopt_area,
				    node.rb);
		iopt_pages_put(area->pages);
		kfree(area);
	}
	if (unmapped)
		*unmapped = total;
	return rc;
}

/* One source area's share of an IOAS_COPY, with a reference on its pages */
struct iopt_copy_piece {
	struct iopt_pages *pages;
	unsigned long offset;
	unsigned long length;
};

/*
 * Collect the areas behind [src_iova, last] of @src; -ENOENT on a hole,
 * -EPERM when @prot wants write access to a read-only area.
 */
static int iopt_copy_collect(struct io_pagetable *src, unsigned long src_iova,
			     unsigned long last, int prot,
			     struct iopt_copy_piece **pieces_out,
			     unsigned int *npieces)
{
	struct iopt_copy_piece *pieces = NULL;
	unsigned long cur = src_iova;
	unsigned int n = 0, alloc = 0;
	struct iopt_area *area;
	int rc = -ENOENT;

	down_read(&src->rwsem);
	for (area = iopt_area_first(src, src_iova, last); area;
	     area = iopt_area_next(area, src_iova, last)) {
		unsigned long piece_last = min(area->node.last, last);

		if (area->node.start > cur)
			break;
		if ((prot & IOFD_PROT_WRITE) && !(area->prot & IOFD_PROT_WRITE)) {
			rc = -EPERM;
			break;
		}
		if (n == alloc) {
			struct iopt_copy_piece *grown;

			alloc = alloc ? alloc * 2 : 4;
			grown = iofd_should_fail() ? NULL :
				krealloc_array(pieces, alloc, sizeof(*pieces),
					       GFP_KERNEL_ACCOUNT);
			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			pieces = grown;
		}
		pieces[n].pages = area->pages;
		pieces[n].offset = area->pages_offset + (cur - area->node.start);
		pieces[n].length = piece_last - cur + 1;
		kref_get(&area->pages->kref);
		n++;
		if (piece_last == last) {
			rc = 0;
			break;
		}
		cur = piece_last + 1;
	}
	up_read(&src->rwsem);
	*pieces_out = pieces;
	*npieces = n;
	return rc;
}

/*
 * Map [src_iova, src_iova + length) of @src again in @dst (which may be
 * @src), sharing the pinned pages.  The source is read first and its lock
 * dropped, the references taken keep the pages alive; each source area
 * becomes one destination area, placed contiguously.
 */
int iopt_copy(struct io_pagetable *dst, unsigned long *dst_iova, bool fixed,
	      struct io_pagetable *src, unsigned long src_iova,
	      unsigned long length, int prot)
{
	unsigned long src_last, dst_last, start_iova = *dst_iova, total = 0;
	struct iopt_copy_piece *pieces;
	unsigned int npieces, i;
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(src_iova, length - 1, &src_last))
		return -EOVERFLOW;
	if (fixed && check_add_overflow(start_iova, length - 1, &dst_last))
		return -EOVERFLOW;

	rc = iopt_copy_collect(src, src_iova, src_last, prot, &pieces,
			       &npieces);
	if (rc)
		goto out_put;

	down_write(&dst->rwsem);
	if (!fixed) {
		/* One IOVA range for the whole copy, as for a map */
		rc = __iopt_alloc_iova(dst, length, src_iova, &start_iova);
		if (rc)
			goto out_unlock;
	}
	for (i = 0; i != npieces; i++) {
		rc = __iopt_map_area(dst, pieces[i].pages, pieces[i].offset,
				     start_iova + total, pieces[i].length,
				     prot);
		if (rc)
			break;
		total += pieces[i].length;
	}
	if (rc) {
		/* Undo the pieces placed: new areas, nobody can use them yet */
		struct iopt_area *area;

		while (total && (area = iopt_area_first(dst, start_iova,
							start_iova + total -
							1))) {
			iopt_remove_area(dst, area);
			iopt_pages_put(area->pages);
			kfree(area);
		}
	} else {
		*dst_iova = start_iova;
	}
out_unlock:
	up_write(&dst->rwsem);
out_put:
	for (i = 0; i != npieces; i++)
		iopt_pages_put(pieces[i].pages);
	kfree(pieces);
	return rc;
}

/* Reserve [start, last] for @owner; Caller holds rwsem (write) */
static int __iopt_reserve(struct io_pagetable *iopt, unsigned long start,
			  unsigned long last, void *owner)
{
	struct iopt_reserved *resv;

	lockdep_assert_held_write(&iopt->rwsem);
	if (iopt_area_first(iopt, start, last))
		return -EADDRINUSE;
	if (interval_tree_iter_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;
	if (iofd_should_fail())
		return -ENOMEM;
	resv = kzalloc(sizeof(*resv), GFP_KERNEL_ACCOUNT);
	if (!resv)
		return -ENOMEM;
	resv->node.start = start;
	resv->node.last = last;
	resv->owner = owner;
	interval_tree_insert(&resv->node, &iopt->reserved_itree);
	return 0;
}

static void __iopt_remove_reserved(struct io_pagetable *iopt, void *owner)
{
	struct interval_tree_node *node, *next;

	lockdep_assert_held_write(&iopt->rwsem);
	for (node = interval_tree_iter_first(&iopt->reserved_itree, 0,
					     ULONG_MAX);
	     node; node = next) {
		struct iopt_reserved *resv =
			container_of(node, struct iopt_reserved, node);

		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		if (resv->owner == owner) {
			interval_tree_remove(node, &iopt->reserved_itree);
			kfree(resv);
		}
	}
}

int iopt_reserve(struct io_pagetable *iopt, unsigned long start,
		 unsigned long last, void *owner)
{
	int rc;

	down_write(&iopt->rwsem);
	rc = __iopt_reserve(iopt, start, last, owner);
	up_write(&iopt->rwsem);
	return rc;
}

void iopt_remove_reserved(struct io_pagetable *iopt, void *owner)
{
	down_write(&iopt->rwsem);
	__iopt_remove_reserved(iopt, owner);
	up_write(&iopt->rwsem);
}

/*
 * Replace the allowed ranges with @allowed (swapped in, so the caller frees
 * the old set).  Allowed and reserved ranges may not intersect.
 */
int iopt_set_allowed(struct io_pagetable *iopt, struct rb_root_cached *allowed)
{
	struct interval_tree_node *node;
	int rc = 0;

	down_write(&iopt->rwsem);
	for (node = interval_tree_iter_first(allowed, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (interval_tree_iter_first(&iopt->reserved_itree,
					     node->start, node->last)) {
			rc = -EADDRINUSE;
			goto out_unlock;
		}
	}
	swap(*allowed, iopt->allowed_itree);
out_unlock:
	up_write(&iopt->rwsem);
	return rc;
}

static unsigned long iopt_calc_alignment(struct io_pagetable *iopt,
					 struct iofd_hwpt_paging *extra)
{
	/* Without large pages everything is PAGE_SIZE granular, as upstream */
	unsigned long align = iopt->disable_large_pages ? PAGE_SIZE : 1;
	struct iofd_hwpt_paging *hwpt;

	list_for_each_entry(hwpt, &iopt->domains, iopt_node)
		align = max(align, 1UL << __ffs(hwpt->common.domain->pgsize_bitmap));
	if (extra)
		align = max(align, 1UL << __ffs(extra->common.domain->pgsize_bitmap));
	return align;
}

/*
 * Start mirroring the IOAS into @hwpt's domain: reserve what lies outside
 * its aperture, then map every area.  -EADDRINUSE when existing areas do
 * not fit the domain (outside the aperture, or misaligned for its IOPTEs).
 */
int iopt_add_domain(struct io_pagetable *iopt, struct iofd_hwpt_paging *hwpt)
{
	struct iofd_domain *domain = hwpt->common.domain;
	unsigned long new_align;
	struct iopt_area *area;
	int rc;

	down_write(&iopt->rwsem);
	new_align = iopt_calc_alignment(iopt, hwpt);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		if (!iopt_area_aligned(area, new_align)) {
			rc = -EADDRINUSE;
			goto out_unlock;
		}
	}
	if (domain->aperture_start) {
		rc = __iopt_reserve(iopt, 0, domain->aperture_start - 1, hwpt);
		if (rc)
			goto err_resv;
	}
	if (domain->aperture_last != ULONG_MAX) {
		rc = __iopt_reserve(iopt, domain->aperture_last + 1, ULONG_MAX,
				    hwpt);
		if (rc)
			goto err_resv;
	}
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		rc = iopt_area_map_domain(iopt, area, domain);
		if (rc)
			goto err_unmap;
	}
	list_add_tail(&hwpt->iopt_node, &iopt->domains);
	iopt->iova_alignment = new_align;
	up_write(&iopt->rwsem);
	return 0;

err_unmap:
	{
		struct iopt_area *done;

		for (done = iopt_area_first(iopt, 0, ULONG_MAX);
		     done && done != area;
		     done = iopt_area_next(done, 0, ULONG_MAX))
			iopt_domain_unmap(domain, done->node.start,
					  iopt_area_length(done));
	}
err_resv:
	__iopt_remove_reserved(iopt, hwpt);
out_unlock:
	up_write(&iopt->rwsem);
	return rc;
}

void iopt_remove_domain(struct io_pagetable *iopt,
			struct iofd_hwpt_paging *hwpt)
{
	struct iopt_area *area;

	down_write(&iopt->rwsem);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX))
		iopt_domain_unmap(hwpt->common.domain, area->node.start,
				  iopt_area_length(area));
	list_del(&hwpt->iopt_node);
	__iopt_remove_reserved(iopt, hwpt);
	iopt->iova_alignment = iopt_calc_alignment(iopt, NULL);
	up_write(&iopt->rwsem);
}

/*
 * IOMMU_OPTION_HUGE_PAGES.  Turning large IOPTEs off is refused while
 * domains already hold mappings, which were made with them (-EINVAL), and
 * when existing areas do not fit the PAGE_SIZE alignment it brings
 * (-EADDRINUSE).
 */
int iopt_set_large_pages(struct io_pagetable *iopt, bool enable)
{
	struct iopt_area *area;
	int rc = 0;

	down_write(&iopt->rwsem);
	if (enable || iopt->disable_large_pages) {
		iopt->disable_large_pages = !enable;
		goto out_realign;
	}
	if (!list_empty(&iopt->domains) &&
	    !RB_EMPTY_ROOT(&iopt->area_itree.rb_root)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		if (!iopt_area_aligned(area, PAGE_SIZE)) {
			rc = -EADDRINUSE;
			goto out_unlock;
		}
	}
	iopt->disable_large_pages = true;
out_realign:
	iopt->iova_alignment = iopt_calc_alignment(iopt, NULL);
out_unlock:
	up_write(&iopt->rwsem);
	return rc;
}

/* The IOAS is being destroyed: nothing references it anymore */
void iopt_destroy(struct io_pagetable *iopt)
{
	WARN_ON(!list_empty(&iopt->domains));
	WARN_ON(!list_empty(&iopt->accesses));
	iopt_unmap_range(iopt, 0, ULONG_MAX, NULL);
	iopt_free_itree(&iopt->reserved_itree,
			offsetof(struct iopt_reserved, node));
	iopt_free_itree(&iopt->allowed_itree,
			offsetof(struct iopt_allowed, node));
}
