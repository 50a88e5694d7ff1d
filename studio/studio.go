//go:generate go run ./internal/genwasm

// Package studio is the `seqnet studio` page: a Conv1D you can watch
// (the window sliding over the padded input, products, sums, the output
// formula), the tutorial's three experiments trained live, and the shape
// walker with its diagnoses. The page is hand-written HTML, CSS, SVG and
// JavaScript; every number on it is computed by seqnet itself, compiled to
// WebAssembly from studio/wasm (package studio/engine).
//
// The assets are embedded: Handler serves them (the `seqnet studio`
// command) and Export writes them as static files that any web server can
// host. The WebAssembly engine is committed, gzipped, in
// assets/seqnet.wasm.gz; `go generate ./studio` rebuilds it reproducibly
// and a test checks it is up to date with the engine's sources.
package studio

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/seqnet/seqnet/internal/atomicfile"
)

//go:embed assets
var assets embed.FS

// The page's files; seqnet.wasm is stored gzipped as seqnet.wasm.gz.
var pageFiles = []string{"index.html", "studio.css", "studio.js", "wasm_exec.js", "seqnet.wasm"}

var (
	filesOnce sync.Once
	files     map[string][]byte
	wasmGz    []byte
	filesErr  error
)

// Files returns the page's files as they are served and exported, by name
// (index.html, studio.css, studio.js, wasm_exec.js, seqnet.wasm).
func Files() (map[string][]byte, error) {
	filesOnce.Do(func() {
		files = map[string][]byte{}
		for _, name := range pageFiles {
			src := name
			if name == "seqnet.wasm" {
				src = "seqnet.wasm.gz"
			}
			b, err := fs.ReadFile(assets, "assets/"+src)
			if err != nil {
				filesErr = fmt.Errorf("studio: the embedded %s is missing (%v): rebuild with go generate ./studio", src, err)
				return
			}
			if name == "seqnet.wasm" {
				wasmGz = b
				zr, err := gzip.NewReader(bytes.NewReader(b))
				if err == nil {
					b, err = io.ReadAll(zr)
				}
				if err != nil {
					filesErr = fmt.Errorf("studio: the embedded seqnet.wasm.gz is corrupt (%v): rebuild with go generate ./studio", err)
					return
				}
			}
			files[name] = b
		}
	})
	return files, filesErr
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".wasm": "application/wasm",
}

// Handler serves the page: / is index.html; seqnet.wasm goes out gzipped
// to browsers that accept it.
func Handler() (http.Handler, error) {
	fs, err := Files()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "only GET and HEAD", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" {
			name = "index.html"
		}
		b, ok := fs[name]
		if !ok {
			http.Error(w, fmt.Sprintf("404: %s is not part of the studio page; open /", r.URL.Path), http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("Content-Type", contentTypes[filepath.Ext(name)])
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		if name == "seqnet.wasm" {
			h.Add("Vary", "Accept-Encoding")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				h.Set("Content-Encoding", "gzip")
				b = wasmGz
			}
		}
		http.ServeContent(w, r, name, start, bytes.NewReader(b))
	}), nil
}

// Export writes the page into dir (created if needed) as static files and
// returns their paths. Files of the same names are replaced, each
// atomically; nothing else in dir is touched.
func Export(dir string) ([]string, error) {
	fs, err := Files()
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("%s is a file, expected a folder to write the page into", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(fs))
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := atomicfile.WriteFile(p, fs[n]); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
