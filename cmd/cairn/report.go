package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/cairnpkg/cairn/sign"
)

// verdict renders a status, with its code when it is not valid.
func verdict(s sign.Status, c sign.Code) string {
	if c == sign.CodeOK {
		return string(s)
	}
	return fmt.Sprintf("%s (%s)", s, c)
}

// printReport writes a verification report as an indented tree.
func printReport(w io.Writer, r *sign.Report, depth int) {
	ind := strings.Repeat("  ", depth)
	name := r.Name + "@" + r.Version
	if r.Name == "" {
		name = "(unknown package)"
	}
	head := "TRUSTED"
	if !r.Trusted() {
		head = "NOT TRUSTED"
	}
	fmt.Fprintf(w, "%s%s  %s  %s\n", ind, name, r.CID, head)
	if r.Rule != "" {
		fmt.Fprintf(w, "%s  policy rule %s, threshold %d\n", ind, r.Rule, r.Threshold)
	}
	if r.Reason != "" {
		fmt.Fprintf(w, "%s  why: %s [%s]\n", ind, safeText(r.Reason), r.Code)
	}
	if r.Yank != nil {
		fmt.Fprintf(w, "%s  %s\n", ind, yankLine(r.Yank))
	}
	printEquivocations(w, r.Equivocations, ind+"  ")
	for _, m := range r.Metadata {
		fmt.Fprintf(w, "%s  metadata %s  kind=%s  %s, %d valid signature(s)\n", ind, m.CID, m.Kind, verdict(m.Status, m.Code), m.Valid)
		if m.Reason != "" {
			fmt.Fprintf(w, "%s    why: %s\n", ind, safeText(m.Reason))
		}
		for _, s := range m.Signatures {
			fmt.Fprintf(w, "%s    signature %s  %s  role=%s  %s\n", ind, s.CID, s.Signer, s.Role, verdict(s.Status, s.Code))
			if s.Reason != "" {
				fmt.Fprintf(w, "%s      why: %s\n", ind, safeText(s.Reason))
			}
		}
	}
	if len(r.Inputs) > 0 {
		fmt.Fprintf(w, "%s  made from:\n", ind)
		for _, in := range r.Inputs {
			printReport(w, in, depth+2)
		}
	}
}

// yankLine says, in one line, how a version stands with yanks.
func yankLine(y *sign.Yank) string {
	what := "yanked"
	if !y.Yanked() {
		what = fmt.Sprintf("yank pending (%d of %d keys)", y.Holders, y.Threshold)
	}
	return what + ": " + safeText(y.Reason)
}
