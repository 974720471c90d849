// Package repolock is the lock that lets one process at a time hold a repo:
// an exclusive advisory flock on its repo.lock file, which also records the
// holder's pid for the error the next process sees. The kernel drops the
// lock when the process exits, however it exits.
//
//	l, err := repolock.Lock(filepath.Join(dir, "repo.lock"))
//	defer l.Unlock()
package repolock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked: another process holds the repo.
var ErrLocked = errors.New("repo is locked")

// Held is a lock held on a repo.
type Held struct{ f *os.File }

// Lock takes the lock at path, or fails at once with ErrLocked (naming the
// holder's pid) when another process holds it.
func Lock(path string) (*Held, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another cairn process"
			if b, err := os.ReadFile(path); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
					holder = fmt.Sprintf("cairn process %d", pid)
				}
			}
			return nil, fmt.Errorf("%w: %s holds it (a running daemon? talk to it, or stop it first)", ErrLocked, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Held{f: f}, nil
}

// Unlock releases the lock. It is idempotent.
func (l *Held) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
