// Package loadgen is the load generator of seqnet's serving benchmarks (the
// serve package's BenchmarkW2 and seqnet bench's serving benchmark): lean
// keep-alive HTTP/1.1 clients, as wrk-like load generators are. The
// requests are built once, and each answer is read on the goroutine that
// sent the request.
// Go's net/http client, in the same process, runs a writer and a reader
// goroutine per connection and builds each request anew: on a machine of
// two cores, its CPU time and its goroutine hand-offs are charged to the
// server it measures.
package loadgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
)

// Client is a keep-alive HTTP/1.1 client on one connection; one goroutine
// uses it at a time.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	body []byte
}

// Dial connects a Client to addr (host:port).
func Dial(addr string) (*Client, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, r: bufio.NewReaderSize(conn, 16<<10)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Request is a complete HTTP/1.1 POST of a JSON body to path on host.
func Request(host, path, body string) []byte {
	return fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, host, len(body), body)
}

// Do sends req (made by Request) and reads the answer: its status code and body (valid until
// the next call). An answer without a Content-Length is an error: the
// server sends one for every answer that fits its write buffer.
func (c *Client) Do(req []byte) (int, []byte, error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, nil, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, fmt.Errorf("malformed status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("malformed status line %q", line)
	}
	n := -1
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil || n < 0 {
				return 0, nil, fmt.Errorf("malformed header %q", h)
			}
		}
	}
	if n < 0 {
		return 0, nil, fmt.Errorf("an answer without Content-Length")
	}
	if cap(c.body) < n {
		c.body = make([]byte, n)
	}
	c.body = c.body[:n]
	if _, err := io.ReadFull(c.r, c.body); err != nil {
		return 0, nil, err
	}
	return code, c.body, nil
}

// CheckPredictions checks a :predict answer: status 200 and a JSON body
// with want predictions, each with a label.
func CheckPredictions(code int, body []byte, want int) error {
	var v struct {
		Predictions []struct{ Label string } `json:"predictions"`
	}
	if err := json.Unmarshal(body, &v); err != nil || code != 200 || len(v.Predictions) != want {
		return fmt.Errorf("status %d, %d predictions, %v: %.200s", code, len(v.Predictions), err, body)
	}
	for i, p := range v.Predictions {
		if p.Label == "" {
			return fmt.Errorf("prediction %d has no label: %.200s", i, body)
		}
	}
	return nil
}
