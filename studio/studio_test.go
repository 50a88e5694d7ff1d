package studio

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/studio/internal/wasmbuild"
)

func get(t *testing.T, h http.Handler, path, encoding string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// The handler serves every page file with its type, seqnet.wasm gzipped
// or not, and nothing else.
func TestHandler(t *testing.T) {
	h, err := Handler()
	if err != nil {
		t.Fatal(err)
	}
	stamp, err := assets.ReadFile("assets/" + wasmbuild.Stamp)
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, h, "/", "")
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(body, []byte(`<script src="studio.js">`)) {
		t.Errorf("/: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	plain := get(t, h, "/seqnet.wasm", "")
	raw, _ := io.ReadAll(plain.Body)
	if plain.Header.Get("Content-Type") != "application/wasm" || plain.Header.Get("Content-Encoding") != "" ||
		!bytes.Contains(stamp, []byte(fmt.Sprintf("sha256 %x", sha256.Sum256(raw)))) {
		t.Errorf("plain wasm: %d bytes, %v; stamp %s", len(raw), plain.Header, stamp)
	}
	gz := get(t, h, "/seqnet.wasm", "gzip, deflate")
	zr, err := gzip.NewReader(gz.Body)
	if err != nil || gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip wasm: %v %v", err, gz.Header)
	}
	unz, _ := io.ReadAll(zr)
	if !bytes.Equal(unz, raw) {
		t.Error("the gzipped wasm is not the plain one")
	}
	if r := get(t, h, "/../go.mod", ""); r.StatusCode != 404 {
		t.Errorf("/../go.mod: %d", r.StatusCode)
	}
	if r := get(t, h, "/seqnet.wasm.gz", ""); r.StatusCode != 404 {
		t.Errorf("/seqnet.wasm.gz: %d", r.StatusCode)
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

// Export writes the five files, replaces its own files and leaves others.
func TestExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "CNAME")
	os.WriteFile(other, []byte("example.org\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("old"), 0o644)
	paths, err := Export(dir)
	if err != nil || len(paths) != 5 {
		t.Fatalf("%v %v", paths, err)
	}
	files, _ := Files()
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if b, _ := os.ReadFile(other); string(b) != "example.org\n" {
		t.Errorf("CNAME touched: %q", b)
	}
	if _, err := Export(other); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("export into a file: %v", err)
	}
}

// The committed engine is what `go generate ./studio` builds from the
// sources now. A change to any package the engine uses (studio/engine,
// convwalk, shapewalk, tutorial, model, layers, …) needs
// `go generate ./studio` and the regenerated files committed; on a merge
// conflict in studio/assets, merge first, then regenerate.
func TestWasmUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the WebAssembly build")
	}
	stamp, err := assets.ReadFile("assets/" + wasmbuild.Stamp)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	have, err := wasmbuild.GoVersion(root)
	if err != nil {
		t.Skipf("no go command to rebuild the engine with: %v", err)
	}
	if want := wasmbuild.Toolchain(stamp); have != want {
		t.Skipf("the committed engine was built with %s and this is %s: the bytes can only be compared with the same toolchain (go generate ./studio rebuilds it)", want, have)
	}
	files, err := wasmbuild.Build(root)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		committed, err := assets.ReadFile("assets/" + name)
		if err != nil {
			t.Errorf("studio/assets/%s: %v: run `go generate ./studio` and commit studio/assets", name, err)
		} else if !bytes.Equal(committed, b) {
			t.Errorf("studio/assets/%s is not what the sources build now: run `go generate ./studio` and commit studio/assets "+
				"(after a merge conflict in it: merge first, then regenerate)", name)
		}
	}
}
