// Package webui is the daemon's read-only web view: server-rendered pages of
// the packages a repo holds, each version's status, a package's layers,
// metadata sets, signatures, verdict and provenance graph (SVG), a key's
// publisher log, the mirror status and the peers.
//
// It reads through a narrow Source (the daemon implements it over the same
// methods the API and the CLI use) and renders html/template pages with one
// embedded stylesheet: no script, nothing fetched from elsewhere, a
// Content-Security-Policy that allows neither. Every request is a GET or a
// HEAD, addressed to localhost or a loopback IP (the API's Host check,
// against DNS rebinding), and not made by another site's page (Fetch
// Metadata). Text that came from the network is escaped by html/template
// and its control and bidi characters are shown as \uXXXX.
//
// The daemon serves it on the API's listener, never on the gateway's
// origin, which serves anyone's content:
//
//	ui, err := webui.New(webui.Config{Source: src, Log: log})
//	apiHandler, err := api.NewHandler(apiCfg)
//	srv := api.Serve(ln, webui.Mount(ui, apiHandler), log)
//	// http://127.0.0.1:4502/ui/
//
// docs/ui.md describes the pages and the security model.
package webui
