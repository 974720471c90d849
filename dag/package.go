package dag

import (
	"fmt"

	"github.com/ipfs/go-cid"
)

// PackageType is the "type" field of a Package node.
const PackageType = "cairn/package@1"

// DirectoryMediaType is the media type of a layer whose content is a UnixFS directory.
const DirectoryMediaType = "inode/directory"

// Package is layer 1 of the Merkle layers: a name, a version and the content layers.
type Package struct {
	Name    Name
	Version string
	Layers  []Layer
}

// Layer is one artifact of a package: a UnixFS file or directory.
type Layer struct {
	Name      string
	MediaType string
	// Size is the file's length, or the total length of a directory's files.
	Size uint64
	// SHA256 is the plain SHA-256 of a file's bytes; nil for a directory.
	SHA256  []byte
	Content cid.Cid
}

// IsDir reports whether the layer is a directory.
func (l Layer) IsDir() bool { return l.MediaType == DirectoryMediaType }

type packageWire struct {
	Type    string
	Name    string
	Version string
	Layers  []layerWire
}

type layerWire struct {
	Name      string
	MediaType string
	Size      int64
	Sha256    []byte
	Content   cid.Cid
}

var packageProto = prototype((*packageWire)(nil), "Package")

// Validate checks the rules of docs/formats.md that the schema alone does not.
func (p *Package) Validate() error {
	if _, err := ParseName(p.Name.String()); err != nil {
		return err
	}
	if _, err := ParseVersion(p.Version); err != nil {
		return err
	}
	if len(p.Layers) == 0 {
		return fmt.Errorf("%w: a package needs at least one layer", ErrInvalidField)
	}
	if len(p.Layers) > MaxLayers {
		return fmt.Errorf("%w: %d layers, limit %d", ErrTooLarge, len(p.Layers), MaxLayers)
	}
	seen := make(map[string]bool, len(p.Layers))
	for i, l := range p.Layers {
		if err := checkField("layer name", l.Name, true); err != nil {
			return err
		}
		if err := checkLayerName(l.Name); err != nil {
			return err
		}
		if seen[l.Name] {
			return fmt.Errorf("%w: two layers named %q", ErrInvalidField, l.Name)
		}
		seen[l.Name] = true
		if err := checkField("layer media type", l.MediaType, true); err != nil {
			return err
		}
		if l.Size > 1<<62 {
			return fmt.Errorf("%w: layer %d size %d", ErrTooLarge, i, l.Size)
		}
		switch {
		case l.IsDir() && l.SHA256 != nil:
			return fmt.Errorf("%w: layer %q is a directory and must not have a sha256", ErrInvalidField, l.Name)
		case !l.IsDir() && len(l.SHA256) != 32:
			return fmt.Errorf("%w: layer %q sha256 is %d bytes, expected 32", ErrInvalidField, l.Name, len(l.SHA256))
		}
		if !l.Content.Defined() {
			return fmt.Errorf("%w: layer %q has no content link", ErrInvalidField, l.Name)
		}
		if err := CheckContentLink(fmt.Sprintf("layer %q content", l.Name), l.Content); err != nil {
			return err
		}
	}
	return nil
}

// checkLayerName keeps layer names usable as file names when a package is extracted.
func checkLayerName(n string) error {
	if n == "." || n == ".." {
		return fmt.Errorf("%w: layer name %q", ErrInvalidField, n)
	}
	for _, r := range n {
		if r == '/' || r == '\\' || r == 0 {
			return fmt.Errorf("%w: layer name %q contains %q", ErrInvalidField, n, r)
		}
	}
	return nil
}

// Encode validates p and returns its canonical bytes and CID.
func (p *Package) Encode() ([]byte, cid.Cid, error) {
	if err := p.Validate(); err != nil {
		return nil, cid.Undef, err
	}
	w := &packageWire{Type: PackageType, Name: p.Name.String(), Version: p.Version}
	for _, l := range p.Layers {
		w.Layers = append(w.Layers, layerWire{
			Name: l.Name, MediaType: l.MediaType, Size: int64(l.Size), Sha256: l.SHA256, Content: l.Content,
		})
	}
	return encode(w, packageProto)
}

// DecodePackage parses and validates untrusted bytes as a Package.
func DecodePackage(data []byte) (*Package, error) {
	v, err := decode(data, packageProto, PackageType)
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	w := v.(*packageWire)
	if w.Type != PackageType {
		return nil, fmt.Errorf("%w: type %q, expected %q", ErrWrongKind, w.Type, PackageType)
	}
	name, err := ParseName(w.Name)
	if err != nil {
		return nil, err
	}
	p := &Package{Name: name, Version: w.Version}
	for _, l := range w.Layers {
		if l.Size < 0 {
			return nil, fmt.Errorf("%w: layer %q size %d is negative", ErrInvalidField, l.Name, l.Size)
		}
		p.Layers = append(p.Layers, Layer{
			Name: l.Name, MediaType: l.MediaType, Size: uint64(l.Size), SHA256: l.Sha256, Content: l.Content,
		})
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Ref returns the package's name@version.
func (p *Package) Ref() Ref { return Ref{Name: p.Name, Version: p.Version} }
