package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func studioCall(args ...string) (stdout, stderr string, code int) {
	var o, e strings.Builder
	code = runStudio(args, &o, &e)
	return o.String(), e.String(), code
}

func TestStudioExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	out, errOut, code := studioCall("--export", dir)
	if code != 0 || errOut != "" || !strings.Contains(out, "python3 -m http.server -d "+dir) {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, name := range []string{"index.html", "studio.css", "studio.js", "wasm_exec.js", "seqnet.wasm"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	file := filepath.Join(dir, "index.html")
	if _, errOut, code := studioCall("--export", file); code != 2 || !strings.Contains(errOut, "is a file, expected a folder") {
		t.Errorf("export into a file: exit %d, %q", code, errOut)
	}
}

func TestStudioErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", ln.Addr().String()}, "seqnet studio: cannot listen on --addr " + ln.Addr().String()},
		{[]string{"page"}, `seqnet studio: unexpected argument "page": the flags are --addr and --export`},
		{[]string{"--port", "80"}, "seqnet studio: flag provided but not defined: -port; run 'seqnet studio -h' for the flags"},
	} {
		_, errOut, code := studioCall(c.args...)
		if code != 2 || !strings.HasPrefix(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, %q\nwant prefix %q", c.args, code, errOut, c.want)
		}
	}
	if out, _, code := studioCall("-h"); code != 0 || !strings.Contains(out, "--export DIR") {
		t.Errorf("-h: exit %d %s", code, out)
	}
}
