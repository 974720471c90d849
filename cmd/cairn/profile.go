package main

import (
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// startCPUProfile writes a CPU profile of the whole command to path, for
// benchmarks (CAIRN_CPUPROFILE=path; read it with go tool pprof).
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// startTrace writes a Go execution trace of the whole command to path, for
// benchmarks (CAIRN_TRACE=path; read it with go tool trace): it shows where a
// pipeline waits, which a CPU profile does not.
func startTrace(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		trace.Stop()
		f.Close()
	}, nil
}

// startMemProfile writes a heap profile of the whole command to path when it
// ends, for benchmarks (CAIRN_MEMPROFILE=path; go tool pprof -sample_index=
// alloc_space shows what allocated most, inuse_space what was still held).
func startMemProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return func() {
		pprof.Lookup("allocs").WriteTo(f, 0)
		f.Close()
	}, nil
}
