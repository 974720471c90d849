package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// load sends -requests requests of each kind, one at a time over one
// keep-alive connection, to the API at -api, after -warmup unmeasured ones,
// and prints the p50 and p99 of each kind in ms: versions of a random name,
// verify of a random NAME@VERSION (resolution and verification), verify of
// a random package CID (taken from the versions answers). Every answer is
// checked: a versions list holds every version, each trusted; a report is
// valid.
func load(ctx context.Context, args []string) error {
	f := flag.NewFlagSet("load", flag.ContinueOnError)
	api := f.String("api", "", "the daemon's API address (host:port)")
	packages := f.Int("packages", 100000, "packages in the repo (as built)")
	names := f.Int("names", 1000, "names in the repo (as built)")
	requests := f.Int("requests", 2000, "measured requests of each kind")
	warmup := f.Int("warmup", 300, "unmeasured requests of each kind first")
	seed := f.Uint64("seed", 1, "seed of the random choices")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *api == "" || *packages < 1 || *names < 1 || *requests < 1 {
		return errors.New("load needs -api, -packages ≥ 1, -names ≥ 1 and -requests ≥ 1")
	}
	c := &client{base: "http://" + *api + "/api/v1/", http: &http.Client{Timeout: time.Minute}}
	rnd := rand.New(rand.NewPCG(*seed, 0))
	var cids []string
	versions := func(ctx context.Context) error {
		n := rnd.IntN(min(*names, *packages))
		want := *packages / *names
		if n < *packages%*names {
			want++
		}
		var list []struct {
			Version string
			Status  string
			Package struct {
				CID string `json:"/"`
			}
		}
		if err := c.get(ctx, "versions?name="+url.QueryEscape(nameOf(n, *names)), &list); err != nil {
			return err
		}
		if len(list) != want {
			return fmt.Errorf("versions of %s: %d versions, expected %d", nameOf(n, *names), len(list), want)
		}
		for _, v := range list {
			if v.Status != "trusted" {
				return fmt.Errorf("versions of %s: %s is %s, expected trusted", nameOf(n, *names), v.Version, v.Status)
			}
			if len(cids) < 1<<20 {
				cids = append(cids, v.Package.CID)
			}
		}
		return nil
	}
	verify := func(ctx context.Context, target string) error {
		var rep struct{ Status string }
		if err := c.get(ctx, "verify?target="+url.QueryEscape(target), &rep); err != nil {
			return err
		}
		if rep.Status != "valid" {
			return fmt.Errorf("verify %s: status %q, expected valid", target, rep.Status)
		}
		return nil
	}
	resolveVerify := func(ctx context.Context) error {
		i := rnd.IntN(*packages)
		return verify(ctx, nameOf(i, *names)+"@"+versionOf(i, *names))
	}
	verifyCID := func(ctx context.Context) error { return verify(ctx, cids[rnd.IntN(len(cids))]) }

	for _, k := range []struct {
		figure string
		do     func(context.Context) error
	}{
		{"versions", versions},
		{"resolve_verify", resolveVerify},
		{"verify_cid", verifyCID},
	} {
		for i := 0; i < *warmup; i++ {
			if err := k.do(ctx); err != nil {
				return err
			}
		}
		c.took = c.took[:0]
		for i := 0; i < *requests; i++ {
			if err := k.do(ctx); err != nil {
				return err
			}
		}
		slices.Sort(c.took)
		fmt.Printf("scale_%s_p50_ms: %.2f\nscale_%s_p99_ms: %.2f\n", k.figure, ms(quantile(c.took, 0.50)), k.figure, ms(quantile(c.took, 0.99)))
	}
	return nil
}

// client gets JSON from the API and keeps the time each request took, from
// sending it to reading the last byte of the answer.
type client struct {
	base string
	http *http.Client
	took []time.Duration
}

func (c *client) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	c.took = append(c.took, time.Since(start))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %.200s", path, res.Status, body)
	}
	return json.Unmarshal(body, v)
}

// quantile returns the q-quantile of sorted (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
