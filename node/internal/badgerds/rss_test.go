package badgerds

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	ds "github.com/ipfs/go-datastore"
	detectrace "github.com/ipfs/go-detect-race"
)

// rssLimitMiB is the peak RSS a node importing a 1 GiB file must stay under;
// the datastore is most of that budget.
const rssLimitMiB = 200

// TestImportRSS imports 256 MiB (BADGERDS_RSS_MIB to change; 1024 gives
// the figure in Options) as 1 MiB blocks through batches into a fresh on-disk
// datastore with the default options, in a child process so that nothing
// else counts toward its peak RSS, reads everything back, and fails if the
// peak (VmHWM) exceeds rssLimitMiB. Without ReleaseMappedBytes the peak would
// exceed the data size. It needs Linux, and is skipped under the race
// detector, whose shadow memory inflates RSS.
func TestImportRSS(t *testing.T) {
	if dir := os.Getenv("BADGERDS_RSS_CHILD_DIR"); dir != "" {
		importChild(t, dir)
		return
	}
	if detectrace.WithRace() {
		t.Skip("the race detector inflates RSS")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc/self/status (Linux)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportRSS$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"BADGERDS_RSS_CHILD_DIR="+t.TempDir(), "BADGERDS_RSS_MIB="+strconv.Itoa(importMiB()))
	out, err := cmd.CombinedOutput()
	t.Logf("child output:\n%s", out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	m := regexp.MustCompile(`phase=final VmHWM=(\d+)kB`).FindSubmatch(out)
	if m == nil {
		t.Fatal("child printed no final VmHWM")
	}
	hwm, _ := strconv.Atoi(string(m[1]))
	if hwm > rssLimitMiB*1024 {
		t.Errorf("peak RSS %d MiB exceeds %d MiB", hwm/1024, rssLimitMiB)
	}
}

// importMiB is the size of the import TestImportRSS measures.
func importMiB() int {
	if n, err := strconv.Atoi(os.Getenv("BADGERDS_RSS_MIB")); err == nil && n > 0 {
		return n
	}
	return 256
}

// importChild is the measured process.
func importChild(t *testing.T, dir string) {
	ctx := context.Background()
	mibs := importMiB()
	const perCommit = 256 // blocks per batch commit; BatchFlushBytes flushes within
	o := DefaultOptions(dir)
	start := time.Now()
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{1})
	key := func(i int) ds.Key { return ds.NewKey(fmt.Sprintf("/blocks/%08d", i)) }
	b, err := d.Batch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range mibs {
		block := make([]byte, 1*mib) // a fresh block each time, as an importer would have
		_, _ = rng.Read(block)
		if err := b.Put(ctx, key(i), block); err != nil {
			t.Fatal(err)
		}
		if (i+1)%perCommit == 0 {
			if err := b.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Sync(ctx, ds.NewKey("/")); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("write took %v\n", time.Since(start))
	printRSS(t, "write")
	for i := range mibs {
		if i == mibs/2 {
			printRSS(t, "midread")
		}
		v, err := d.Get(ctx, key(i))
		if err != nil || len(v) != 1*mib {
			t.Fatalf("get %d: %d bytes, %v", i, len(v), err)
		}
	}
	printRSS(t, "read")
	usage, _ := d.DiskUsage(ctx)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("disk usage %d MiB\n", usage/mib)
	printRSS(t, "final")
}

// printRSS prints the memory lines of /proc/self/status on one line.
func printRSS(t *testing.T, phase string) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var line bytes.Buffer
	fmt.Fprintf(&line, "phase=%s", phase)
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, value, ok := strings.Cut(s.Text(), ":")
		switch name {
		case "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem":
			if ok {
				fmt.Fprintf(&line, " %s=%s", name, strings.ReplaceAll(strings.TrimSpace(value), " ", ""))
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(&line, " heapInuse=%dMiB heapIdle=%dMiB heapReleased=%dMiB nextGC=%dMiB sys=%dMiB",
		ms.HeapInuse/mib, ms.HeapIdle/mib, ms.HeapReleased/mib, ms.NextGC/mib, ms.Sys/mib)
	fmt.Println(line.String())
}
