package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kuboDaemon runs `ipfs daemon` on a fresh repo (test profile: loopback,
// OS-chosen ports, no bootstrap) until the test ends, and returns a function
// that runs ipfs commands against it. Each of configs is an `ipfs config`
// command line run before the daemon starts.
func kuboDaemon(t *testing.T, configs ...[]string) (ipfs func(args ...string) string, addrs []string) {
	t.Helper()
	bin := kuboBin(t)
	ipfsPath := filepath.Join(t.TempDir(), "ipfs")
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "IPFS_PATH="+ipfsPath)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if err != nil {
			return out.String() + errb.String(), err
		}
		return out.String(), nil
	}
	ipfs = func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("ipfs %v: %v\n%s", args, err, out)
		}
		return out
	}
	ipfs("init", "--profile", "test,unixfs-v1-2025")
	for _, c := range configs {
		ipfs(append([]string{"config"}, c...)...)
	}
	d := exec.Command(bin, "daemon")
	d.Env = append(os.Environ(), "IPFS_PATH="+ipfsPath)
	var log syncBuffer
	d.Stdout, d.Stderr = &log, &log
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { d.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			d.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("ipfs daemon log:\n%s", log.String())
		}
	})
	// Wait for the daemon's own word: an `ipfs id` before it holds the repo
	// would take the repo's lock and keep the daemon from starting.
	eventually(t, 60*time.Second, func() (bool, string) {
		return strings.Contains(log.String(), "Daemon is ready"), log.String()
	})
	var id struct{ Addresses []string }
	if err := json.Unmarshal([]byte(ipfs("id")), &id); err != nil {
		t.Fatal(err)
	}
	for _, a := range id.Addresses {
		if strings.Contains(a, "/tcp/") && strings.HasPrefix(a, "/ip4/127.0.0.1/") {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		t.Fatalf("Kubo listens on no loopback TCP address: %v", id.Addresses)
	}
	return ipfs, addrs
}

// TestKuboOverTheNetwork: a Kubo node connected to a Cairn daemon fetches
// Cairn content with ipfs cat (bitswap), and cairn fetch gets content from
// the Kubo node.
func TestKuboOverTheNetwork(t *testing.T) {
	ipfs, kuboAddrs := kuboDaemon(t)
	r := newRepo(t)
	in := t.TempDir()
	src := filepath.Join(in, "cairn.bin")
	sum := randomFile(t, src, 2<<20+9, 31)
	pub := r.publish("acme/app", "1.0.0", []string{src})
	d := startDaemon(t, r)

	// Kubo gets Cairn's content over bitswap.
	ipfs("swarm", "connect", d.addr("/tcp/"))
	got := filepath.Join(in, "via-kubo.bin")
	ipfs("get", "-o", got, pub.Layers[0].Content.S)
	if h := fileSHA256(t, got); h != sum {
		t.Fatalf("ipfs get of Cairn content: sha256 %s, want %s", h, sum)
	}

	// Cairn gets Kubo's content: cairn fetch of a content CID pins it as content.
	ksrc := filepath.Join(in, "kubo.bin")
	ksum := randomFile(t, ksrc, 3<<20+1, 32)
	kcid := strings.TrimSpace(ipfs("add", "-Q", ksrc))
	r.ok("connect", kuboAddrs[0])
	var ans struct {
		Kept   bool `json:"kept"`
		Result struct {
			Package cidJSON `json:"package"`
			Blocks  int     `json:"blocks"`
		} `json:"result"`
	}
	r.json(&ans, "fetch", kcid, "--timeout", "1m")
	if !ans.Kept || ans.Result.Package.S != kcid || ans.Result.Blocks < 4 {
		t.Fatalf("fetch of Kubo content: %+v", ans)
	}
	out := filepath.Join(in, "from-kubo.bin")
	r.ok("get", kcid, "-o", out)
	if h := fileSHA256(t, out); h != ksum {
		t.Fatalf("cairn get of Kubo content: sha256 %s, want %s", h, ksum)
	}
}

// TestKuboFindsCairnInTheIPFSDHT: with public_network = true, a Cairn daemon
// speaks the IPFS DHT (/ipfs/kad/1.0.0) and provides its package's content
// root, so a Kubo DHT server it bootstraps from lists it as a provider of the
// content CID (ipfs routing findprovs) and fetches the file from it: the
// public-network path, on a network of two nodes on loopback.
func TestKuboFindsCairnInTheIPFSDHT(t *testing.T) {
	ipfs, kuboAddrs := kuboDaemon(t, []string{"Routing.Type", "dhtserver"})
	r := newRepo(t)
	cfg := filepath.Join(r.dir, "config.toml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "public_network = false") {
		t.Fatalf("config.toml has no public_network setting:\n%s", data)
	}
	writeFile(t, cfg, []byte(strings.Replace(string(data), "public_network = false", "public_network = true", 1)))
	src := filepath.Join(t.TempDir(), "hello.txt")
	writeFile(t, src, []byte("hello from cairn over the IPFS DHT\n"))
	pub := r.publish("acme/hello", "1.0.0", []string{src})
	d := startDaemon(t, r, "--bootstrap", kuboAddrs[0])
	content := pub.Layers[0].Content.S
	// The daemon provides its roots 5 s after start, once bootstrap connected.
	eventually(t, 60*time.Second, func() (bool, string) {
		out := ipfs("routing", "findprovs", "--num-providers", "1", content)
		return strings.Contains(out, d.id()), "findprovs: " + out
	})
	if got := ipfs("cat", content); got != "hello from cairn over the IPFS DHT\n" {
		t.Errorf("ipfs cat %s = %q", content, got)
	}
}
