package webui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// packageGroup is one name of the packages page with its versions.
type packageGroup struct {
	Name     string
	Versions []Listed
	Size     uint64
}

// packages is the home page: the name index, filtered by ?q= (a part of
// the name, any case).
func (h *handler) packages(r *http.Request) (string, view, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list, err := h.src.Packages(r.Context())
	if err != nil {
		return "", view{}, err
	}
	var groups []packageGroup
	for _, p := range list {
		if q != "" && !strings.Contains(strings.ToLower(p.Name), strings.ToLower(q)) {
			continue
		}
		if len(groups) == 0 || groups[len(groups)-1].Name != p.Name {
			groups = append(groups, packageGroup{Name: p.Name})
		}
		g := &groups[len(groups)-1]
		g.Versions = append(g.Versions, p)
		g.Size += p.Size
	}
	return "packages", view{Title: "Packages", Nav: "packages", Data: struct {
		Query  string
		Groups []packageGroup
		Total  int
	}{q, groups, len(list)}}, nil
}

// versions is a name's page: each version and how it resolves.
func (h *handler) versions(r *http.Request) (string, view, error) {
	name, err := dag.ParseName(r.URL.Query().Get("name"))
	if err != nil {
		return "", view{}, fmt.Errorf("%w: ?name=: %w", errBadRequest, err)
	}
	vs, err := h.src.Versions(r.Context(), name)
	if err != nil {
		return "", view{}, err
	}
	if len(vs) == 0 {
		return "", view{}, fmt.Errorf("%w: no version of %s is known here", errNoPage, visible(name.String()))
	}
	// Newest first, as people read a release list; each package the repo
	// holds with its own verdict (a "local" version may be untrusted).
	rows := make([]versionRow, len(vs))
	for i, v := range vs {
		row := &rows[len(vs)-1-i]
		row.VersionView = v
	}
	for i := range rows {
		if i == maxVerdicts || rows[i].Package == nil {
			continue
		}
		p, err := h.src.Package(r.Context(), *rows[i].Package)
		switch {
		case errors.Is(err, errkind.NotFound):
		case err != nil:
			return "", view{}, fmt.Errorf("version %s: %w", rows[i].Version, err)
		default:
			rows[i].Verdict = p.Report
		}
	}
	return "versions", view{Title: name.String(), Nav: "packages", Data: struct {
		Name     string
		Versions []versionRow
	}{name.String(), rows}}, nil
}

// maxVerdicts bounds the versions whose packages a name's page verifies.
const maxVerdicts = 100

// versionRow is one version of a name's page: how it resolves, and the
// verdict on the package it resolves to, when the repo holds it.
type versionRow struct {
	trust.VersionView
	Verdict *sign.Report
}

// metadataView is one metadata set of the package page with its entries
// as a table.
type metadataView struct {
	Metadata
	Rows      []entryRow
	MoreRows  int
	EntryNote string // why the entries are not shown, if they are not
}

// pkg is the package page: layers, metadata sets with entries and
// signatures, the verdict and the rule, the provenance graph.
func (h *handler) pkg(r *http.Request) (string, view, error) {
	arg := r.URL.Query().Get("cid")
	c, err := dag.ParseCID(arg)
	if err != nil {
		return "", view{}, fmt.Errorf("%w: ?cid=: %w", errBadRequest, err)
	}
	p, err := h.src.Package(r.Context(), c)
	if err != nil {
		return "", view{}, err
	}
	g, err := provenance(r.Context(), h.src, p)
	if err != nil {
		return "", view{}, err
	}
	ms := make([]metadataView, len(p.Metadata))
	for i, m := range p.Metadata {
		ms[i].Metadata = m
		switch rows, more, err := entryTable(m.Entries); {
		case m.Entries == nil:
			ms[i].EntryNote = "the entries could not be read from the repo"
		case err != nil:
			ms[i].EntryNote = err.Error()
		default:
			ms[i].Rows, ms[i].MoreRows = rows, more
		}
	}
	return "package", view{Title: p.Name + "@" + p.Version, Nav: "packages", Data: struct {
		*Package
		Meta  []metadataView
		Graph *graph
	}{p, ms, g}}, nil
}

// logPage is a key's publisher log, newest entry first.
func (h *handler) logPage(r *http.Request) (string, view, error) {
	key := r.URL.Query().Get("key")
	if _, err := sign.ParseDID(key); err != nil {
		return "", view{}, fmt.Errorf("%w: ?key=: %w", errBadRequest, err)
	}
	v, err := h.src.Log(r.Context(), key)
	if err != nil {
		return "", view{}, err
	}
	return "log", view{Title: "Log of " + key, Nav: "", Data: struct{ *logs.View }{v}}, nil
}

// mirror is the mirror status page.
func (h *handler) mirror(r *http.Request) (string, view, error) {
	st, err := h.src.Mirror(r.Context())
	if err != nil {
		return "", view{}, err
	}
	return "mirror", view{Title: "Mirrors", Nav: "mirror", Data: st}, nil
}

// peers is the page of connected peers and the node's addresses.
func (h *handler) peers(r *http.Request) (string, view, error) {
	ps, err := h.src.Peers(r.Context())
	if err != nil {
		return "", view{}, err
	}
	id, err := h.src.ID(r.Context())
	if err != nil {
		return "", view{}, err
	}
	return "peers", view{Title: "Peers", Nav: "peers", Data: struct {
		ID    api.IDInfo
		Peers []api.PeerInfo
	}{id, ps}}, nil
}
