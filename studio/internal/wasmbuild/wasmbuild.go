// Package wasmbuild builds the studio's WebAssembly engine (studio/wasm)
// reproducibly and packs it as the committed studio/assets files. It is
// shared by the generator (go generate ./studio) and the test that checks
// the committed files are up to date.
package wasmbuild

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Files are the generated asset files, by name under studio/assets.
type Files map[string][]byte

// Names of the generated files.
const (
	Wasm     = "seqnet.wasm.gz"
	WasmExec = "wasm_exec.js"
	Stamp    = "seqnet.wasm.txt"
)

// Build compiles studio/wasm for GOOS=js GOARCH=wasm in moduleRoot with
// the flags that make it small and reproducible (-trimpath, -ldflags=-s -w,
// -buildvcs=false) and returns the gzipped binary (no name, no time: the
// same bytes for the same input), the Go toolchain's wasm_exec.js and a
// stamp naming the toolchain and the raw binary's size and SHA-256.
func Build(moduleRoot string) (Files, error) {
	tmp, err := os.MkdirTemp("", "seqnet-wasm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "seqnet.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./studio/wasm")
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("building the wasm engine: %v\n%s", err, stderr.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	version, err := goVersion(moduleRoot)
	if err != nil {
		return nil, err
	}
	root, err := goEnv(moduleRoot, "GOROOT")
	if err != nil {
		return nil, err
	}
	execJS, err := os.ReadFile(filepath.Join(root, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return nil, fmt.Errorf("the Go toolchain's wasm_exec.js: %v", err)
	}
	stamp := fmt.Sprintf("toolchain %s\nbytes %d\nsha256 %x\n", version, len(raw), sha256.Sum256(raw))
	return Files{Wasm: gz.Bytes(), WasmExec: execJS, Stamp: []byte(stamp)}, nil
}

// Toolchain reads the toolchain line of a stamp ("" if absent).
func Toolchain(stamp []byte) string {
	for _, line := range strings.Split(string(stamp), "\n") {
		if v, ok := strings.CutPrefix(line, "toolchain "); ok {
			return v
		}
	}
	return ""
}

// GoVersion is the version of the go command that Build uses.
func GoVersion(moduleRoot string) (string, error) { return goVersion(moduleRoot) }

func goVersion(dir string) (string, error) { return goEnv(dir, "GOVERSION") }

func goEnv(dir, key string) (string, error) {
	cmd := exec.Command("go", "env", key)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out)), nil
}
