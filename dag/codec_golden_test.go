package dag

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

// The golden files pin the exact bytes, and so the CIDs, of Cairn nodes. A CID
// published once must name the same node forever, so these files must never change:
// a change to the encoder that alters one byte is a format break, not a refactoring.
// Run with -update only when adding a new fixture, and review the diff.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const goldenDir = "testdata/golden"

// testSigner is the did:key used by the signature fixtures.
const testSigner = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"

// fixture is one node with a golden encoding.
type fixture struct {
	name string
	kind NodeKind
	node interface {
		Encode() ([]byte, cid.Cid, error)
	}
}

// testSig returns the fixed 64 bytes 0, 1, ..., 63.
func testSig() []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// fixtureNodes returns the nodes of the golden files, built only from fixed inputs.
func fixtureNodes(t testing.TB) []fixture {
	t.Helper()
	pkg := testPackage(t, "acme/hello", "1.0.0", []byte("hello, world\n"))
	_, pkgCID := mustEncode(t, pkg)

	// A package with a file layer and a directory layer, and a version with
	// pre-release and build parts.
	toolsName, err := ParseName("acme/tools")
	if err != nil {
		t.Fatal(err)
	}
	binCID, binSum := testContent(t, []byte("\x00asm\x01\x00\x00\x00"))
	tools := &Package{Name: toolsName, Version: "2.1.0-rc.1+build.5", Layers: []Layer{
		{Name: "tools.wasm", MediaType: "application/wasm", Size: 8, SHA256: binSum, Content: binCID},
		{Name: "share", MediaType: DirectoryMediaType, Size: 1 << 40, Content: dagPBCID(t, "share directory")},
	}}

	_, libfoo := mustEncode(t, testPackage(t, "acme/libfoo", "0.3.1", []byte("libfoo")))
	_, libbar := mustEncode(t, testPackage(t, "acme/libbar", "2.0.0", []byte("libbar")))
	sbom, err := qp.BuildMap(basicnode.Prototype.Map, -1, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "sbom", qp.Link(cidLink(rawCID(t, `{"spdxVersion":"SPDX-2.3"}`))))
		qp.MapEntry(ma, "reproducible", qp.Bool(true))
		qp.MapEntry(ma, "steps", qp.Int(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := MergeEntries(testEntries(t), sbom)
	if err != nil {
		t.Fatal(err)
	}
	meta := &MetadataSet{Subject: pkgCID, Kind: KindBuild, Entries: entries, Inputs: []cid.Cid{libfoo, libbar}, Created: testTime}
	_, metaCID := mustEncode(t, meta)

	// The smallest metadata set: no entries, no inputs.
	bare := &MetadataSet{Subject: pkgCID, Kind: KindLicense, Created: testTime}

	sig := &Signature{Subject: metaCID, Signer: testSigner, Alg: AlgEd25519, Created: testTime, Role: RolePublisher, Sig: testSig()}

	return []fixture{
		{"package", NodePackage, pkg},
		{"package-tools", NodePackage, tools},
		{"metadata", NodeMetadata, meta},
		{"metadata-bare", NodeMetadata, bare},
		{"signature", NodeSignature, sig},
	}
}

// goldenSigningPayload is the fixture signature's signing payload.
func goldenSigningPayload(t testing.TB) []byte {
	t.Helper()
	for _, f := range fixtureNodes(t) {
		if f.name == "signature" {
			b, err := f.node.(*Signature).SigningPayload()
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatal("no signature fixture")
	return nil
}

// readGolden reads a hex golden file: hex digits, whitespace ignored.
func readGolden(t testing.TB, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(goldenDir, name+".hex"))
	if err != nil {
		t.Fatalf("%v (run go test ./dag -run TestGolden -update to create it)", err)
	}
	b, err := hex.DecodeString(strings.Join(strings.Fields(string(text)), ""))
	if err != nil {
		t.Fatalf("%s.hex: %v", name, err)
	}
	return b
}

// writeGolden writes b as hex, 32 bytes to a line.
func writeGolden(t testing.TB, name string, b []byte) {
	t.Helper()
	var sb strings.Builder
	for len(b) > 0 {
		n := min(32, len(b))
		sb.WriteString(hex.EncodeToString(b[:n]))
		sb.WriteByte('\n')
		b = b[n:]
	}
	if err := os.MkdirAll(goldenDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(goldenDir, name+".hex"), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readCIDs reads testdata/golden/cids.txt: "name cid" lines.
func readCIDs(t testing.TB) map[string]string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(goldenDir, "cids.txt"))
	if err != nil {
		t.Fatalf("%v (run go test ./dag -run TestGolden -update to create it)", err)
	}
	cids := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("cids.txt: bad line %q", line)
		}
		cids[f[0]] = f[1]
	}
	return cids
}

func TestGolden(t *testing.T) {
	fixtures := fixtureNodes(t)
	if *update {
		var sb strings.Builder
		sb.WriteString("# CIDs of the golden fixtures. These must never change.\n")
		for _, f := range fixtures {
			b, c := mustEncode(t, f.node)
			writeGolden(t, f.name, b)
			fmt.Fprintf(&sb, "%s %s\n", f.name, c)
		}
		writeGolden(t, "signing-payload", goldenSigningPayload(t))
		if err := os.WriteFile(filepath.Join(goldenDir, "cids.txt"), []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cids := readCIDs(t)
	if len(cids) != len(fixtures) {
		t.Errorf("cids.txt lists %d fixtures, want %d", len(cids), len(fixtures))
	}
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			got, c := mustEncode(t, f.node)
			want := readGolden(t, f.name)
			if !bytes.Equal(got, want) {
				t.Fatalf("encoding changed:\n got %x\nwant %x", got, want)
			}
			if c.String() != cids[f.name] {
				t.Errorf("CID %s, cids.txt says %s", c, cids[f.name])
			}
			// The CID is the one a third party computes from the bytes alone.
			if sum, err := Prefix.Sum(want); err != nil || !sum.Equals(c) {
				t.Errorf("Prefix.Sum(golden) = %s, %v; want %s", sum, err, c)
			}
			if err := CheckBlock(c, want); err != nil {
				t.Errorf("CheckBlock: %v", err)
			}
			if k, err := Sniff(c, want); err != nil || k != f.kind {
				t.Errorf("Sniff = %v, %v; want %v", k, err, f.kind)
			}
			// The golden bytes decode, and the decoded node encodes to them again.
			again := decodeKind(t, f.kind, want)
			b2, c2 := mustEncode(t, again)
			if !bytes.Equal(b2, want) || !c2.Equals(c) {
				t.Errorf("decode+encode changed the node:\n got %x\nwant %x", b2, want)
			}
		})
	}
	t.Run("signing-payload", func(t *testing.T) {
		got := goldenSigningPayload(t)
		want := readGolden(t, "signing-payload")
		if !bytes.Equal(got, want) {
			t.Fatalf("signing payload changed:\n got %x\nwant %x", got, want)
		}
		if !bytes.HasPrefix(got, []byte(SigningDomain)) {
			t.Fatalf("payload does not start with the signing domain")
		}
		// The payload is the signature node without sig: same subject, and a
		// different byte string from the node, so a signature never signs itself.
		rest := parseMap(t, got[len(SigningDomain):])
		keys := make([]string, 0, len(rest))
		for _, e := range rest {
			keys = append(keys, e.k)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != "alg,created,role,signer,subject,type" {
			t.Errorf("payload keys %v", keys)
		}
		if rest.get("type") != SignatureType {
			t.Errorf("payload type %v", rest.get("type"))
		}
	})
}

// TestGoldenFilesComplete fails when testdata/golden holds a file no fixture
// writes, so a renamed fixture cannot leave a stale, unchecked file behind.
func TestGoldenFilesComplete(t *testing.T) {
	want := map[string]bool{"cids.txt": true, "signing-payload.hex": true}
	for _, f := range fixtureNodes(t) {
		want[f.name+".hex"] = true
	}
	files, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !want[f.Name()] {
			t.Errorf("unexpected golden file %s", f.Name())
		}
		delete(want, f.Name())
	}
	for name := range want {
		t.Errorf("missing golden file %s", name)
	}
}

// TestSigningPayloadIgnoresSig: the payload commits to every field but sig.
func TestSigningPayloadIgnoresSig(t *testing.T) {
	s := fixtureNodes(t)[4].node.(*Signature)
	a, err := s.SigningPayload()
	if err != nil {
		t.Fatal(err)
	}
	s2 := *s
	s2.Sig = bytes.Repeat([]byte{0xff}, 64)
	b, err := s2.SigningPayload()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("payload depends on sig")
	}
	for _, mut := range []func(*Signature){
		func(s *Signature) { s.Role = RoleAuditor },
		func(s *Signature) { s.Signer += "x" },
		func(s *Signature) { s.Created = s.Created.Add(1e9) },
		func(s *Signature) { s.Subject = nodeCID(t, "other") },
	} {
		s3 := *s
		mut(&s3)
		c, err := s3.SigningPayload()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(a, c) {
			t.Errorf("payload does not commit to a changed field")
		}
	}
}

// decodeKind decodes data with the Decode function of kind, failing on error.
func decodeKind(t testing.TB, kind NodeKind, data []byte) interface {
	Encode() ([]byte, cid.Cid, error)
} {
	t.Helper()
	var (
		n interface {
			Encode() ([]byte, cid.Cid, error)
		}
		err error
	)
	switch kind {
	case NodePackage:
		n, err = DecodePackage(data)
	case NodeMetadata:
		n, err = DecodeMetadataSet(data)
	case NodeSignature:
		n, err = DecodeSignature(data)
	default:
		t.Fatalf("decodeKind: %v", kind)
	}
	if err != nil {
		t.Fatalf("decode %v: %v", kind, err)
	}
	return n
}
