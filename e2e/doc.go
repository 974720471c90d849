// Package e2e runs the real cairn binary as separate processes, each test with
// its own repos in temporary directories. TestMain builds the binary once.
//
//	go test ./e2e/
//
// Tests call Cairn through its CLI only, the way a user or a CI script does, and
// check exit codes, stdout (--json) and stderr messages.
package e2e
