package store

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"github.com/cairnpkg/cairn/internal/writeback"
)

// PackThreshold is the size from which a block written by a Txn goes into the
// Txn's pack file instead of badger's value log (docs/repo.md §4). Writing a
// 1 MiB block with write(2) costs a fraction of the CPU of badger's path
// (a copy into a fresh memory-mapped page the kernel first zero-fills);
// small blocks stay in badger, where a key lookup finds them in one read.
//
// BenchmarkPutBlocks and BenchmarkGetBlocks (64 MiB, one Txn, commit
// included; reads through the verifying blockstore; 2 shared cores), in
// MB/s, badger -> pack:
//
//	size     write        read
//	4 KiB    196 ->  316   598 ->  252
//	16 KiB   426 ->  839   921 ->  639
//	64 KiB   747 -> 1425  1202 -> 1016
//	256 KiB  652 -> 1694  1284 -> 1205
//	1 MiB   1047 -> 1732  1346 -> 1384
//
// Packing wins every write, but below 64 KiB the second lookup (the index,
// after /blocks/ misses) and the open(2) per read cost more than it saves.
const PackThreshold = 64 << 10

// packBufferSize is the write buffer of a pack file: blocks reach the file
// in writes of about this size.
const packBufferSize = 1 << 20

// directAlign is the alignment, in memory and in the file, of the blocks a
// pack writes with O_DIRECT: a page, which is at least the logical block
// size of the disks it is meant for.
const directAlign = 4096

// zeroPage is the padding written before a block written with O_DIRECT.
var zeroPage [directAlign]byte

// errNoDirect: the pack's file system refused O_DIRECT.
var errNoDirect = errors.New("no direct I/O")

// directAligned reports whether data can be written with O_DIRECT: whole
// pages that start on a page boundary in memory (as a 1 MiB leaf read into
// a buffer of its own does: Go allocates large objects on page boundaries).
func directAligned(data []byte) bool {
	return len(data) > 0 && len(data)%directAlign == 0 &&
		uintptr(unsafe.Pointer(unsafe.SliceData(data)))%directAlign == 0
}

// packsDir is the directory, under the store's, holding the pack files.
const packsDir = "packs"

// packLoc is an index entry: where a packed block's bytes are.
// Encoded as 24 bytes: the pack's Txn id (8 bytes), then the offset and the
// length, each a big-endian uint64.
type packLoc struct {
	pack   [8]byte
	offset uint64
	length uint64
}

const packLocSize = 24

func (l packLoc) bytes() []byte {
	b := make([]byte, packLocSize)
	copy(b, l.pack[:])
	binary.BigEndian.PutUint64(b[8:], l.offset)
	binary.BigEndian.PutUint64(b[16:], l.length)
	return b
}

func parsePackLoc(b []byte) (packLoc, error) {
	if len(b) != packLocSize {
		return packLoc{}, fmt.Errorf("pack index entry: %d bytes, want %d", len(b), packLocSize)
	}
	var l packLoc
	copy(l.pack[:], b)
	l.offset = binary.BigEndian.Uint64(b[8:])
	l.length = binary.BigEndian.Uint64(b[16:])
	return l, nil
}

// packID parses a Txn id (16 hex digits) into the 8 bytes a packLoc holds.
func packID(txn string) ([8]byte, error) {
	var id [8]byte
	if len(txn) != 16 {
		return id, fmt.Errorf("txn id %q: want 16 hex digits", txn)
	}
	_, err := hex.Decode(id[:], []byte(txn))
	return id, err
}

// packPath is the file of Txn id's pack under the store directory dir.
func packPath(dir, id string) string { return filepath.Join(dir, packsDir, id+".pack") }

// packWriter appends blocks to one Txn's pack file. It is safe for concurrent
// use. The file is created on the first append.
type packWriter struct {
	path string
	id   [8]byte

	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	size    uint64 // bytes appended, buffered ones included
	flushed uint64 // bytes written to the file
	created bool   // the file exists (and its directory entry needs an fsync)
	// directOK says blocks that allow it are written with O_DIRECT
	// (DirectWrites); direct that f has O_DIRECT set; noDirect that the
	// file system refused it, so every block goes through the page cache.
	directOK, direct, noDirect bool
	// trim keeps the pack's page cache to about two writeback.Chunk: on
	// the machines measured, letting the page cache grow by each gigabyte
	// written made every later write(2) dearer (dd of 1 GiB: 0.23 CPU-s,
	// then 0.61, 2.36, 2.46 with the earlier files cached; 0.24-0.25 each
	// with their pages dropped), and the bytes of a finished pack are read
	// again only when served.
	trim *writeback.Trimmer
}

func newPackWriter(dir, txn string) (*packWriter, error) {
	id, err := packID(txn)
	if err != nil {
		return nil, err
	}
	return &packWriter{path: packPath(dir, txn), id: id}, nil
}

// append writes data at the end of the pack and returns where it is.
func (p *packWriter) append(data []byte) (packLoc, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		f, err := os.OpenFile(p.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return packLoc{}, fmt.Errorf("create pack: %w", err)
		}
		p.f, p.w, p.created = f, bufio.NewWriterSize(cachedWriter{p}, packBufferSize), true
		p.trim = writeback.NewTrimmer(f)
	}
	loc, err := p.write(data)
	if err != nil {
		return packLoc{}, fmt.Errorf("write pack: %w", err)
	}
	p.flushed = p.size - uint64(p.w.Buffered())
	p.trim.Written(int64(p.flushed))
	return loc, nil
}

// write appends data and returns where it is. A block that fills whole
// pages of memory goes straight to the disk (writeDirect); any other block
// through the buffer, or straight to the file when it would fill the
// buffer anyway. The caller holds p.mu.
func (p *packWriter) write(data []byte) (packLoc, error) {
	if p.directOK && !p.noDirect && directAligned(data) {
		loc, err := p.writeDirect(data)
		if !errors.Is(err, errNoDirect) {
			return loc, err
		}
		p.noDirect = true
	}
	loc := packLoc{pack: p.id, offset: p.size, length: uint64(len(data))}
	if len(data) < p.w.Available() {
		if _, err := p.w.Write(data); err != nil {
			return packLoc{}, err
		}
	} else {
		if err := p.w.Flush(); err != nil {
			return packLoc{}, err
		}
		if _, err := (cachedWriter{p}).Write(data); err != nil {
			return packLoc{}, err
		}
	}
	p.size += uint64(len(data))
	return loc, nil
}

// writeDirect writes data, a whole number of pages that starts on a page
// boundary in memory, with O_DIRECT at the next page boundary of the file,
// after zeros up to it if the pack's end is not on one: the kernel takes the
// bytes straight from data to the disk, where a write through the page
// cache would copy them into it and later write them out and drop them
// (1 GiB in 1 MiB writes: 0.09-0.13 CPU-s instead of 0.36). The padding
// is never indexed, like the bytes of a deleted block. errNoDirect says
// the file system does not support it; nothing of data was written.
func (p *packWriter) writeDirect(data []byte) (packLoc, error) {
	if err := p.w.Flush(); err != nil {
		return packLoc{}, err
	}
	if pad := -p.size & (directAlign - 1); pad > 0 {
		if _, err := (cachedWriter{p}).Write(zeroPage[:pad]); err != nil {
			return packLoc{}, err
		}
		p.size += pad
	}
	if err := p.setDirect(true); err != nil {
		return packLoc{}, err
	}
	loc := packLoc{pack: p.id, offset: p.size, length: uint64(len(data))}
	if _, err := p.f.Write(data); err != nil {
		if errors.Is(err, syscall.EINVAL) {
			// Refused before any byte is written: the device wants a
			// larger alignment than directAlign.
			return packLoc{}, errNoDirect
		}
		return packLoc{}, err
	}
	p.size += uint64(len(data))
	return loc, nil
}

// cachedWriter writes to the pack's file through the page cache, clearing
// O_DIRECT first if it is set: the buffer's flushes and every block not
// written with writeDirect go through it.
type cachedWriter struct{ p *packWriter }

func (w cachedWriter) Write(b []byte) (int, error) {
	if err := w.p.setDirect(false); err != nil {
		return 0, err
	}
	return w.p.f.Write(b)
}

// setDirect sets or clears O_DIRECT on the file if it is not so already.
func (p *packWriter) setDirect(on bool) error {
	if p.direct == on {
		return nil
	}
	if err := setFileDirect(p.f, on); err != nil {
		if on {
			return errNoDirect
		}
		return err
	}
	p.direct = on
	return nil
}

// flushTo makes sure the bytes up to end are in the file, so that a read of
// the file sees them.
func (p *packWriter) flushTo(end uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w == nil || end <= p.flushed {
		return nil
	}
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("write pack: %w", err)
	}
	p.flushed = p.size
	return nil
}

// sync flushes the pack and fsyncs it and, since the Txn created it, the
// packs directory. It is a no-op for a Txn that packed nothing.
func (p *packWriter) sync() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return nil
	}
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("write pack: %w", err)
	}
	p.flushed = p.size
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("sync pack: %w", err)
	}
	// All on disk now: what is left of the pack in the page cache is clean.
	p.trim.Drop(int64(p.size))
	if p.created {
		if err := syncDir(filepath.Dir(p.path)); err != nil {
			return fmt.Errorf("sync packs directory: %w", err)
		}
		p.created = false
	}
	return nil
}

// directWrites lets the pack write blocks with O_DIRECT (writeDirect).
func (p *packWriter) directWrites() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.directOK = true
}

// used reports whether the Txn packed any block (and so created the file).
func (p *packWriter) used() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size > 0
}

// close closes the file; the Txn writes no more.
func (p *packWriter) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return nil
	}
	err := p.f.Close()
	p.f, p.w = nil, nil
	return err
}

// makePacksDir creates the packs directory under the store directory dir if
// it is missing, durably (the store directory is synced).
func makePacksDir(dir string) error {
	err := os.Mkdir(filepath.Join(dir, packsDir), 0o700)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create packs directory: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readPack reads the bytes at loc from the pack files under dir.
func readPack(dir string, loc packLoc) ([]byte, error) {
	return readPackInto(dir, loc, nil)
}

// readPackInto reads the bytes at loc into buf, if it is large enough, or
// into a new slice, and returns them.
func readPackInto(dir string, loc packLoc, buf []byte) ([]byte, error) {
	f, err := os.Open(packPath(dir, hex.EncodeToString(loc.pack[:])))
	if err != nil {
		return nil, fmt.Errorf("open pack: %w", err)
	}
	defer f.Close()
	if uint64(cap(buf)) < loc.length {
		buf = make([]byte, loc.length)
	}
	buf = buf[:loc.length]
	if _, err := f.ReadAt(buf, int64(loc.offset)); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read pack %x at %d: %w", loc.pack, loc.offset, err)
	}
	return buf, nil
}

// removePack deletes Txn id's pack file, if there is one.
func removePack(dir, id string) error {
	if err := os.Remove(packPath(dir, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// listPacks returns the Txn ids of the pack files under dir.
func listPacks(dir string) (ids []string, err error) {
	entries, err := os.ReadDir(filepath.Join(dir, packsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".pack"); ok && e.Type().IsRegular() {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
