//go:build 386 || arm || mips || mipsle

package h5

import "errors"

// ErrTruncated is returned (wrapped) by Open for a file shorter than its
// header says.
var ErrTruncated = errors.New("h5: the file is truncated")

// errNo32 is Open's error on 32-bit builds: the HDF5 reader seqnet uses
// (github.com/scigolib/hdf5 v0.13.18) does not compile for 32-bit ints.
var errNo32 = errors.New("h5: reading HDF5 files (Keras .h5) needs a 64-bit build of seqnet; use .keras or to_json() + .npz weights, or a 64-bit machine")

// File is an HDF5 file open for reading (never opened on 32-bit builds).
type File struct{}

// Open reports that HDF5 files cannot be read on this build.
func Open(path string) (*File, error) { return nil, errNo32 }

// Close does nothing.
func (f *File) Close() error { return nil }

// IsGroup reports false.
func (f *File) IsGroup(path string) bool { return false }

// IsDataset reports false.
func (f *File) IsDataset(path string) bool { return false }

// Children returns nothing.
func (f *File) Children(group string) []string { return nil }

// Datasets returns nothing.
func (f *File) Datasets() []string { return nil }

// Attr reports the build's limit.
func (f *File) Attr(group, name string) (v any, ok bool, err error) { return nil, false, errNo32 }

// Shape reports the build's limit.
func (f *File) Shape(path string) (dims []int, float bool, size int, err error) {
	return nil, false, 0, errNo32
}

// ReadFloat32 reports the build's limit.
func (f *File) ReadFloat32(path string, want int) ([]float32, error) { return nil, errNo32 }
