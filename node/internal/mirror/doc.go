// Package mirror keeps verified copies of other organizations' packages
// (docs/logs.md §6). A rule names a pattern; the Mirrorer walks the logs of
// the keys the policy trusts for it, from the rule's cursor to the head,
// and for each entry whose name matches it fetches the package's closure
// (verified and pinned by the fetch), checks that what the entry names is
// held, and countersigns in role mirror if the rule says so. The cursor
// moves only after the entry is committed or given up on, so a restart
// resumes where it left off; failures are retried with backoff.
//
//	rules := mirror.NewRules(st)
//	m := mirror.New(mirror.Config{Rules: rules, Store: st, Policy: policy, Fetch: fetch})
//	m.Start(ctx)
//	defer m.Close()
package mirror
