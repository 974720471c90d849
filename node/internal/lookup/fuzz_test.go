package lookup

import "testing"

// FuzzDecodeRefs: an answer from a peer never panics, stays within
// MaxReferrers, and what decodes re-encodes to the same pairs.
func FuzzDecodeRefs(f *testing.F) {
	good, _ := encodeRefs([]Ref{{Subject: testCID(f, "a"), Referrer: testCID(f, "b")}})
	f.Add(good)
	f.Add([]byte{0xa1, 0x64, 'r', 'e', 'f', 's', 0x80})
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		refs, err := decodeRefs(data)
		if err != nil {
			return
		}
		if len(refs) > MaxReferrers {
			t.Fatalf("%d refs accepted", len(refs))
		}
		again, err := encodeRefs(refs)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeRefs(again)
		if err != nil || len(back) != len(refs) {
			t.Fatalf("re-decode: %v %v", back, err)
		}
		for i := range refs {
			if !back[i].Subject.Equals(refs[i].Subject) || !back[i].Referrer.Equals(refs[i].Referrer) {
				t.Fatalf("pair %d changed", i)
			}
		}
	})
}
