// Command cairn is the Cairn CLI and node: publish, sign, inspect, verify,
// export and import packages in a local repo, and run a daemon that fetches,
// serves and announces them. Run `cairn --help` for the tour.
//
//	cairn init
//	cairn publish ./app.wasm --name acme/app --version 1.0.0 --meta build.toml
//	cairn verify acme/app@1.0.0
//	cairn daemon
//
// One file per command (newXCmd, runX); errors become exit codes in
// exitcode.go; while a daemon holds the repo, commands run in it (forward.go).
// docs/cli.md specifies every command.
package main
