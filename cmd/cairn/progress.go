package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/cairnpkg/cairn/internal/units"
)

// progressMinBytes is the size from which imports show a progress bar.
const progressMinBytes = 8 << 20

// progress draws a one-line progress bar on a terminal. It draws nothing when
// w is not a terminal, so scripts and logs stay clean.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int64
	start time.Time
	last  time.Time
	drawn bool
}

// newProgress returns a progress bar for total bytes on stderr, or nil when
// stderr is not a terminal or the work is too small to need one.
func newProgress(label string, total int64) *progress {
	if total < progressMinBytes || !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	return &progress{w: os.Stderr, label: label, total: total, start: time.Now()}
}

// update redraws the bar with n bytes done, at most ten times a second.
func (p *progress) update(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && n < p.total {
		return
	}
	p.last = now
	p.drawn = true
	const width = 30
	frac := float64(n) / float64(max(p.total, 1))
	frac = min(frac, 1)
	fill := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < fill {
			bar[i] = '='
		}
	}
	rate := float64(n) / max(now.Sub(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r%s [%s] %s / %s %3.0f%% %s/s ", p.label, bar, units.Bytes(n), units.Bytes(p.total), frac*100, units.Bytes(int64(rate)))
}

// done ends the bar's line.
func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
