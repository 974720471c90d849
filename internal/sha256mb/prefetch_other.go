//go:build !amd64 || purego

package sha256mb

func prefetch([]byte) {}
