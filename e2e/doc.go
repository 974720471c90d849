// Package e2e runs the real cairn binary as separate processes, each test with
// its own repos in temporary directories. TestMain builds the binary once.
//
//	go test ./e2e/
//
// Tests call Cairn through its CLI only, the way a user or a CI script does, and
// check exit codes, stdout (--json) and stderr messages.
//
// CAIRN_E2E_RACE=1 builds the binary with the race detector (slow: minutes):
// a daemon that sees a data race exits 66, which fails the test that stops it.
package e2e
