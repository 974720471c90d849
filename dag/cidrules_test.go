package dag

import (
	"errors"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

func TestLinkRules(t *testing.T) {
	sum := func(p cid.Prefix) cid.Cid {
		c, err := p.Sum([]byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	node := sum(Prefix)
	raw := sum(cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: -1})
	pb := sum(cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1})
	v0 := sum(cid.Prefix{Version: 0, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1})
	sha1 := sum(cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: mh.SHA1, MhLength: -1})
	rawSHA1 := sum(cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA1, MhLength: -1})
	blake := sum(cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.BLAKE3, MhLength: -1})
	for _, tc := range []struct {
		name      string
		c         cid.Cid
		node, con bool
	}{
		{"dag-cbor sha2-256", node, true, false},
		{"raw sha2-256", raw, false, true},
		{"dag-pb sha2-256", pb, false, true},
		{"CIDv0", v0, false, false},
		{"dag-cbor sha1", sha1, false, false},
		{"raw sha1", rawSHA1, false, false},
		{"raw blake3", blake, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckNodeLink("x", tc.c); (err == nil) != tc.node || (err != nil && !errors.Is(err, ErrInvalidCID)) {
				t.Errorf("CheckNodeLink(%s) = %v, want ok=%v", tc.c, err, tc.node)
			}
			if err := CheckContentLink("x", tc.c); (err == nil) != tc.con || (err != nil && !errors.Is(err, ErrInvalidCID)) {
				t.Errorf("CheckContentLink(%s) = %v, want ok=%v", tc.c, err, tc.con)
			}
		})
	}

	// The rules hold when encoding, and so when decoding (decode validates).
	p := testPackage(t, "acme/hello", "1.0.0", []byte("hi"))
	p.Layers[0].Content = sha1
	if _, _, err := p.Encode(); !errors.Is(err, ErrInvalidCID) {
		t.Errorf("package with dag-cbor content: %v", err)
	}
	m := &MetadataSet{Subject: raw, Kind: KindBuild, Created: testTime}
	if _, _, err := m.Encode(); !errors.Is(err, ErrInvalidCID) {
		t.Errorf("metadata set with a raw subject: %v", err)
	}
	m = &MetadataSet{Subject: node, Kind: KindBuild, Inputs: []cid.Cid{pb}, Created: testTime}
	if _, _, err := m.Encode(); !errors.Is(err, ErrInvalidCID) {
		t.Errorf("metadata set with a dag-pb input: %v", err)
	}
	s := &Signature{Subject: sha1, Signer: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", Alg: AlgEd25519, Role: RolePublisher, Created: testTime, Sig: make([]byte, 64)}
	if _, _, err := s.Encode(); !errors.Is(err, ErrInvalidCID) {
		t.Errorf("signature over a sha1 CID: %v", err)
	}
}

func TestCheckBlockRefusesWeakHashes(t *testing.T) {
	data := []byte("block")
	for _, tc := range []struct {
		name string
		mh   uint64
		ok   bool
	}{
		{"sha2-256", mh.SHA2_256, true},
		{"sha2-512", mh.SHA2_512, true},
		{"blake3", mh.BLAKE3, true},
		{"sha1", mh.SHA1, false},
		{"md5", mh.MD5, false},
		{"murmur3", mh.MURMUR3X64_64, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: tc.mh, MhLength: -1}.Sum(data)
			if err != nil {
				t.Skipf("go-multihash cannot compute %s here: %v", tc.name, err)
			}
			err = CheckBlock(c, data)
			if tc.ok && err != nil {
				t.Fatalf("CheckBlock: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidCID) {
				t.Fatalf("CheckBlock accepted %s: %v", tc.name, err)
			}
		})
	}
}
