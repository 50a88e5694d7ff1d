package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/seqnet/seqnet/studio"
)

func init() {
	commands["studio"] = command{runStudio, "an interactive Conv1D page (convolution, training, shapes) served locally or exported"}
}

const studioUsage = `Usage: seqnet studio [--addr 127.0.0.1:8080]
       seqnet studio --export DIR

Serves an interactive page that shows Conv1D at work: the window sliding
over the padded input with its products, sums and output cells; the
tutorial's three experiments trained live (loss curve, weights moving over
the loss surface, prediction converging); and the shape walker of
'seqnet shape'. Every number on the page is computed by seqnet compiled to
WebAssembly; nothing is fetched from the network.

  seqnet studio                      then open http://127.0.0.1:8080/
  seqnet studio --export site/       static files to host anywhere

Flags:
  --addr HOST:PORT   where to serve (default 127.0.0.1:8080; port 0 picks a free one)
  --export DIR       write the page (index.html, studio.css, studio.js, wasm_exec.js,
                     seqnet.wasm) into DIR instead of serving it
`

// runStudio is the `seqnet studio` command: it serves the page until the
// process is stopped, or exports it and returns.
func runStudio(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("studio", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "")
	export := fs.String("export", "", "")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "seqnet studio: "+format+"\n", a...)
		return 2
	}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, studioUsage)
		return 0
	}
	if err != nil {
		return fail("%v; run 'seqnet studio -h' for the flags", err)
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q: the flags are --addr and --export", fs.Arg(0))
	}
	if *export != "" {
		paths, err := studio.Export(*export)
		if err != nil {
			return fail("--export: %v", err)
		}
		fmt.Fprintf(stdout, "wrote %s\nhost that folder on any static web server (WebAssembly does not run from file://), e.g. python3 -m http.server -d %s\n",
			strings.Join(paths, ", "), *export)
		return 0
	}
	h, err := studio.Handler()
	if err != nil {
		fmt.Fprintf(stderr, "seqnet studio: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail("cannot listen on --addr %s: %v; give another address, e.g. --addr 127.0.0.1:8081 (port 0 picks a free one)", *addr, err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(stderr, "seqnet studio: note: %s is reachable from other machines; use --addr 127.0.0.1:PORT to keep it local\n", ln.Addr())
	}
	fmt.Fprintf(stdout, "seqnet studio: serving on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(stderr, "seqnet studio: %v\n", err)
		return 1
	}
	return 0
}
