package loadgen

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestFloor: Floor answers requests of any body size, empty and larger
// than its read buffer included, to concurrent clients on kept-alive
// connections; a request it cannot read closes that connection only; and
// it returns once its listener is closed and its connections have ended.
func TestFloor(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Floor(l, Answer(`{"predictions": [{"label": "a"}]}`)) }()
	addr := l.Addr().String()
	var reqs [][]byte
	for _, n := range []int{0, 1, 1700, 40 << 10} {
		reqs = append(reqs, Request(addr, "/v1/models/w2:predict", strings.Repeat("x", n)))
	}
	check := func(code int, body []byte) error { return CheckPredictions(code, body, 1) }
	res, err := Run(addr, reqs, 3, 50*time.Millisecond, check)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests < len(reqs) || res.Errors != 0 {
		t.Fatalf("%d requests, %d errors (first: %v)", res.Requests, res.Errors, res.First)
	}
	if _, ok := CPUTime(); ok && (runtime.GOOS == "linux" && res.CPU <= 0) {
		t.Fatalf("CPU time %v over %d requests", res.CPU, res.Requests)
	}

	// A request that is not HTTP, or has a bad Content-Length, ends its
	// connection; another connection is answered meanwhile.
	for _, bad := range []string{"\r\n", "POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte(bad))
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := io.ReadAll(conn); err != nil || len(got) != 0 {
			t.Fatalf("%q: answered %q (%v), want the connection closed", bad, got, err)
		}
		conn.Close()
		code, body, err := c.Do(reqs[2])
		if err == nil {
			err = check(code, body)
		}
		if err != nil {
			t.Fatalf("after %q: %v", bad, err)
		}
		c.Close()
	}

	// Pipelined requests on one connection get one answer each, in order.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.Write(bytes.Join([][]byte{reqs[1], reqs[0], reqs[2]}, nil))
	conn.(*net.TCPConn).CloseWrite()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(conn)
	conn.Close()
	if want := bytes.Repeat(Answer(`{"predictions": [{"label": "a"}]}`), 3); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("pipelined: got %q (%v), want %q", got, err, want)
	}

	l.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Floor did not return after its listener closed")
	}
}
