//go:build !linux

package content

import (
	"io"
	"os"
)

// mapped is a mapped file: on this system files are always read.
type mapped struct{ data []byte }

func mapFile(*os.File, int64) *mapped { return nil }

func (m *mapped) unmap() {}

func (m *mapped) shrank() bool { return false }

func (m *mapped) release([]byte) bool { return false }

func (m *mapped) unmapped() bool { return false }

type mappedChunks struct{}

func newMappedChunks(*mapped) *mappedChunks { return &mappedChunks{} }

func (c *mappedChunks) next() ([]byte, error) { return nil, io.EOF }
