// Command genwasm writes the studio's committed WebAssembly files
// (studio/assets/seqnet.wasm.gz, wasm_exec.js, seqnet.wasm.txt); run it
// with `go generate ./studio` from the module root after changing any
// package the engine uses.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/seqnet/seqnet/internal/atomicfile"
	"github.com/seqnet/seqnet/studio/internal/wasmbuild"
)

func main() {
	// go generate runs in the package's folder, studio/.
	root, err := filepath.Abs("..")
	if err != nil {
		fail(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		fail(fmt.Errorf("run this through `go generate ./studio` (it expects to start in studio/): %v", err))
	}
	files, err := wasmbuild.Build(root)
	if err != nil {
		fail(err)
	}
	for name, b := range files {
		if err := atomicfile.WriteFile(filepath.Join(root, "studio", "assets", name), b); err != nil {
			fail(err)
		}
	}
	fmt.Printf("studio/assets: %s (%d bytes gzipped)\n%s", wasmbuild.Wasm, len(files[wasmbuild.Wasm]), files[wasmbuild.Stamp])
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genwasm:", err)
	os.Exit(1)
}
