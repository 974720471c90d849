package publish

import (
	"encoding/hex"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
)

// LayerView is a layer as the CLI and API show it.
type LayerView struct {
	Name      string  `json:"name"`
	MediaType string  `json:"mediaType"`
	Size      uint64  `json:"size"`
	SHA256    string  `json:"sha256,omitempty"`
	Content   cid.Cid `json:"content"`
}

// LayerViews returns the views of ls.
func LayerViews(ls []dag.Layer) []LayerView {
	out := make([]LayerView, len(ls))
	for i, l := range ls {
		out[i] = LayerView{Name: l.Name, MediaType: l.MediaType, Size: l.Size, Content: l.Content}
		if l.SHA256 != nil {
			out[i].SHA256 = hex.EncodeToString(l.SHA256)
		}
	}
	return out
}
