package heads

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeHeads: a message from a peer never panics, stays within
// MaxHeads, and what decodes re-encodes to the same bytes.
func FuzzDecodeHeads(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "two-heads.cbor"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte{0x80})
	f.Add(encodeRaw(f, []rawHead{goodRaw(f, 2), goodRaw(f, 1)}, true))
	f.Add(append(bytes.Clone(golden), 0x00))
	f.Add([]byte{0x9b, 0, 0, 0, 1, 0, 0, 0, 0})
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, err := decodeHeads(data)
		if err != nil {
			return
		}
		if len(hs) > MaxHeads {
			t.Fatalf("%d heads accepted", len(hs))
		}
		for _, h := range hs {
			if err := h.Validate(); err != nil {
				t.Fatalf("accepted %v: %v", h, err)
			}
		}
		again, err := encodeHeads(hs)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("%x re-encodes to %x", data, again)
		}
	})
}
