package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxAnswerBytes bounds what the Client reads of an answer.
const maxAnswerBytes = 16 << 20

// Client calls the API of a daemon. Its methods return an *Error when the
// daemon answers with an error, and an error wrapping ErrUnavailable when no
// daemon answers at all.
type Client struct {
	addr  string // as given to NewClient, for messages
	base  string // URL the paths are appended to
	token string
	http  *http.Client
}

// NewClient returns a Client of the daemon whose API listens at addr
// ("127.0.0.1:5001", or a URL such as "http://localhost:5001"). token is sent
// with every request; it may be empty for GET-only use.
//
// The Client never goes through an HTTP proxy and never follows a redirect,
// so the token goes to addr and nowhere else.
func NewClient(addr, token string) *Client {
	base := addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
	}
	return &Client{
		addr:  addr,
		base:  strings.TrimSuffix(base, "/"),
		token: token,
		http: &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// CloseIdleConnections closes the connections the Client keeps open between
// requests. The Client stays usable.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// ID describes the daemon's node.
func (c *Client) ID(ctx context.Context) (IDInfo, error) {
	var info IDInfo
	err := c.do(ctx, http.MethodGet, "/api/v1/id", nil, &info)
	return info, err
}

// Peers lists the peers the daemon is connected to.
func (c *Client) Peers(ctx context.Context) ([]PeerInfo, error) {
	var answer peersAnswer
	if err := c.do(ctx, http.MethodGet, "/api/v1/peers", nil, &answer); err != nil {
		return nil, err
	}
	return answer.Peers, nil
}

// Connect asks the daemon to connect to addr, a multiaddr that ends in
// /p2p/<peer ID>. It needs the token.
func (c *Client) Connect(ctx context.Context, addr string) (PeerInfo, error) {
	var peer PeerInfo
	err := c.do(ctx, http.MethodPost, "/api/v1/connect", connectRequest{Addr: addr}, &peer)
	return peer, err
}

// Fetch asks the daemon to fetch a package and decodes its answer into out.
// A fetch can take long: ctx (and req.Timeout) bound it.
func (c *Client) Fetch(ctx context.Context, req FetchRequest, out any) error {
	return c.do(ctx, http.MethodPost, "/api/v1/fetch", req, out)
}

// Fetches decodes the daemon's fetches in progress into out.
func (c *Client) Fetches(ctx context.Context, out any) error {
	return c.do(ctx, http.MethodGet, "/api/v1/fetches", nil, out)
}

// Run runs a cairn command on the daemon's repo.
func (c *Client) Run(ctx context.Context, req RunRequest) (RunResult, error) {
	var res RunResult
	err := c.do(ctx, http.MethodPost, "/api/v1/run", req, &res)
	return res, err
}

// do sends a request with in (if not nil) as its JSON body and decodes the
// answer into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("api: %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("api: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return err // wraps ctx's error
		}
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err // without the URL, which repeats addr
		}
		return fmt.Errorf("%w: no daemon answers at %s: %w", ErrUnavailable, c.addr, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
		_ = resp.Body.Close()
	}()
	r := io.LimitReader(resp.Body, maxAnswerBytes)
	if resp.StatusCode != http.StatusOK {
		return readError(resp.StatusCode, r)
	}
	if err := json.NewDecoder(r).Decode(out); err != nil {
		return fmt.Errorf("api: %s %s: reading the daemon's answer: %w", method, path, err)
	}
	return nil
}

// readError makes the *Error of an answer with status.
func readError(status int, r io.Reader) *Error {
	var body errorBody
	_ = json.NewDecoder(r).Decode(&body) // not JSON: not our daemon; the status says enough
	return &Error{Status: status, Code: body.Code, Message: body.Error}
}
