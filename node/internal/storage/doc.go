// Package storage decides what leaves the repo (docs/repo.md §7): which
// pins a removal of a package deletes, what stops it (another pinned
// package naming it as an input, a mirror rule matching its name), and when
// a daemon collects garbage on its own (an interval, a disk-usage
// watermark). The store does the deleting and the collecting.
//
//	res, err := storage.Remove(ctx, st, rules, c, storage.RemoveOptions{})
//	auto := &storage.Auto{Store: st, Every: 24 * time.Hour}
//	auto.Check(ctx)
package storage
