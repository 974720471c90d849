package node

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// LayerView is a layer as the CLI and API show it.
type LayerView struct {
	Name      string  `json:"name"`
	MediaType string  `json:"mediaType"`
	Size      uint64  `json:"size"`
	SHA256    string  `json:"sha256,omitempty"`
	Content   cid.Cid `json:"content"`
}

func layerViews(ls []dag.Layer) []LayerView {
	out := make([]LayerView, len(ls))
	for i, l := range ls {
		out[i] = LayerView{Name: l.Name, MediaType: l.MediaType, Size: l.Size, Content: l.Content}
		if l.SHA256 != nil {
			out[i].SHA256 = hex.EncodeToString(l.SHA256)
		}
	}
	return out
}

// PackageView is a package with everything attached to it and the verdicts.
type PackageView struct {
	CID      cid.Cid        `json:"cid"`
	Name     string         `json:"name"`
	Version  string         `json:"version"`
	Layers   []LayerView    `json:"layers"`
	Status   sign.Status    `json:"status"`
	Code     sign.Code      `json:"code,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	Metadata []MetadataView `json:"metadata"`
	Report   *sign.Report   `json:"report"`
}

// MetadataView is a metadata set with its entries, signatures and verdict.
type MetadataView struct {
	CID        cid.Cid                `json:"cid"`
	Kind       string                 `json:"kind,omitempty"`
	Created    *time.Time             `json:"created,omitempty"`
	Entries    json.RawMessage        `json:"entries,omitempty"`
	Inputs     []cid.Cid              `json:"inputs,omitempty"`
	Status     sign.Status            `json:"status"`
	Code       sign.Code              `json:"code,omitempty"`
	Reason     string                 `json:"reason,omitempty"`
	Signatures []sign.SignatureReport `json:"signatures"`
}
