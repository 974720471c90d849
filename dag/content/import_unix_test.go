//go:build unix

package content

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestImportRejectsNamedPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	for _, p := range []string{fifo, dir} {
		_, err := ImportPath(context.Background(), memDAG(), p)
		if !errors.Is(err, ErrUnsupportedFile) || !strings.Contains(err.Error(), fifo) {
			t.Errorf("import %s: %v, want ErrUnsupportedFile naming %s", p, err, fifo)
		}
	}
}
