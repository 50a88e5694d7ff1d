package npy

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"github.com/seqnet/seqnet/internal/atomicfile"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// ReadNPZ reads every array of a .npz archive (a zip of .npy files, stored
// or deflated), in archive order: numpy.savez(path, *arrays) writes arr_0,
// arr_1, ... in argument order (keyword arrays come first). Members whose
// names do not end in ".npy" are skipped.
func ReadNPZ(r io.ReaderAt, size int64) ([]*Array, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		var head [8]byte
		n, _ := r.ReadAt(head[:], 0)
		if n >= 6 && string(head[:6]) == Magic {
			return nil, errors.New("not a .npz file: this is a single .npy array (read it with ReadFile)")
		}
		return nil, fmt.Errorf("not a .npz file (expected a zip archive of .npy arrays): %w", err)
	}
	var out []*Array
	seen := map[string]bool{}
	var others []string
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !strings.HasSuffix(f.Name, ".npy") {
			others = append(others, f.Name)
			continue
		}
		name := strings.TrimSuffix(f.Name, ".npy")
		if seen[name] {
			return nil, fmt.Errorf("corrupt .npz file: array %q appears twice", name)
		}
		seen[name] = true
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf(".npz entry %q: %w", f.Name, err)
		}
		limit := int64(-1)
		if f.UncompressedSize64 < 1<<62 {
			limit = int64(f.UncompressedSize64)
		}
		a, err := read(bufio.NewReader(rc), limit)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf(".npz entry %q: %w", f.Name, err)
		}
		a.Name = name
		out = append(out, a)
	}
	if len(out) == 0 {
		if len(others) > 0 {
			return nil, fmt.Errorf("not a .npz file: the zip archive holds no .npy arrays (it holds %s)", strings.Join(others[:min(5, len(others))], ", "))
		}
		return nil, errors.New("empty .npz file: the archive holds no arrays")
	}
	return out, nil
}

// ReadNPZFile reads a .npz file; see ReadNPZ.
func ReadNPZFile(path string) ([]*Array, error) {
	return readPath(path, func(f *os.File, size int64) ([]*Array, error) { return ReadNPZ(f, size) })
}

// Load reads path as a .npy file or a .npz archive, whichever its first
// bytes say it is, and returns its arrays (one for .npy).
func Load(path string) ([]*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var head [6]byte
	n, _ := io.ReadFull(f, head[:])
	f.Close()
	switch {
	case n == 6 && string(head[:]) == Magic:
		a, err := ReadFile(path)
		if err != nil {
			return nil, err
		}
		a.Name = strings.TrimSuffix(filepath.Base(path), ".npy")
		return []*Array{a}, nil
	case n >= 4 && string(head[:4]) == "PK\x03\x04", n >= 4 && string(head[:4]) == "PK\x05\x06":
		return ReadNPZFile(path)
	case n == 0:
		return nil, fmt.Errorf("%s is empty: expected a .npy or .npz file", path)
	}
	return nil, fmt.Errorf("%s is neither a .npy file (magic %q) nor a .npz (zip) file: it starts with %q", path, Magic, head[:n])
}

// WriteNPZ writes arrays as a .npz archive, each as a float32 .npy entry
// named Name+".npy" (arr_0, arr_1, ... when Name is empty), in order.
// compress deflates the entries as numpy.savez_compressed does; otherwise
// they are stored as numpy.savez does.
func WriteNPZ(w io.Writer, arrays []*Array, compress bool) error {
	zw := zip.NewWriter(w)
	seen := map[string]bool{}
	for i, a := range arrays {
		if a == nil || a.Tensor == nil {
			return fmt.Errorf("npz: array %d is nil", i)
		}
		name := a.Name
		if name == "" {
			name = fmt.Sprintf("arr_%d", i)
		}
		if seen[name] {
			return fmt.Errorf("npz: two arrays are named %q: names must be unique", name)
		}
		seen[name] = true
		method := zip.Store
		if compress {
			method = zip.Deflate
		}
		var buf bytes.Buffer
		if err := Write(&buf, a.Tensor); err != nil {
			return fmt.Errorf("npz: array %q: %w", name, err)
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method})
		if err != nil {
			return err
		}
		if _, err := fw.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}

// WriteNPZFile writes a .npz file atomically; see WriteNPZ.
func WriteNPZFile(path string, arrays []*Array, compress bool) error {
	return writeAtomic(path, func(w io.Writer) error { return WriteNPZ(w, arrays, compress) })
}

// Named wraps tensors as arrays named arr_0, arr_1, ... for WriteNPZ.
func Named(ts ...*tensor.Tensor) []*Array {
	out := make([]*Array, len(ts))
	for i, t := range ts {
		out[i] = &Array{Name: fmt.Sprintf("arr_%d", i), DType: "<f4", Version: "1.0", Tensor: t}
	}
	return out
}

// writeAtomic writes through a temporary file in path's directory, synced
// and renamed over path (internal/atomicfile), so a crash never leaves a
// half-written file.
func writeAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}
