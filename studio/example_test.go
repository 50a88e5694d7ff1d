package studio_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/seqnet/seqnet/studio"
)

func ExampleExport() {
	dir, err := os.MkdirTemp("", "studio-site-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	paths, err := studio.Export(dir)
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// index.html
	// seqnet.wasm
	// studio.css
	// studio.js
	// wasm_exec.js
}
