package content

import (
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// The IPIP-0499 unixfs-v1-2025 profile, spelled out as constants so that no
// boxo package-level variable is read or written. profile_test.go checks them
// against boxo's io.UnixFS_v1_2025, so a drift in either fails loudly.
const (
	// ChunkSize is the size of every leaf but the last: 1 MiB.
	ChunkSize = 1 << 20
	// MaxLinks is the number of links per internal node of a file's balanced DAG.
	MaxLinks = 1024
	// HAMTShardingSize is the serialized size of a directory block above which
	// the directory becomes a HAMT (the threshold itself stays a basic directory).
	HAMTShardingSize = 256 << 10
	// HAMTShardWidth is the fanout of HAMT directory shards.
	HAMTShardWidth = 256
)

// hamtSizeEstimation is how a directory's size is measured against
// HAMTShardingSize: the exact size of the serialized dag-pb block.
const hamtSizeEstimation = uio.SizeEstimationBlock

// cidBuilder returns the CID prefix of dag-pb nodes: CIDv1, sha2-256. Leaves
// use the same prefix with the raw codec (boxo switches the codec itself).
func cidBuilder() cid.Prefix {
	return cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}
}

// directoryOptions returns the per-directory settings of the profile. Every
// value is passed explicitly, so boxo's global defaults are not consulted.
func directoryOptions() []uio.DirectoryOption {
	return []uio.DirectoryOption{
		uio.WithCidBuilder(cidBuilder()),
		uio.WithMaxHAMTFanout(HAMTShardWidth),
		uio.WithSizeEstimationMode(hamtSizeEstimation),
		// boxo has no named option for the threshold, but the Directory
		// interface has a per-directory setter, which a DirectoryOption may call.
		func(d uio.Directory) { d.SetHAMTShardingSize(HAMTShardingSize) },
	}
}
