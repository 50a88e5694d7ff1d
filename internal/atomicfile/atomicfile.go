// Package atomicfile writes files so that a crash never leaves half of
// one: the bytes go to a temporary file in the destination's directory,
// which is synced, given the usual permissions and renamed over the
// destination; the directory is then synced so the rename itself lasts.
// A reader sees the old file or the new one, never a mix.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Write lets fill write the file's contents, then puts the file in place.
// On any error the temporary file is removed and path is left as it was.
func Write(path string, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	removeStale(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(path, os.Getpid())+"*")
	if err != nil {
		return fmt.Errorf("cannot create a file in %s: %w (does the folder exist and is it writable?)", dir, err)
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(name)
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<16)
	if err := fill(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("setting the permissions of %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("moving the finished file into place at %s: %w", path, err)
	}
	// Not every system lets a directory be synced; the file is complete
	// either way, so this is best effort.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// tempPrefix names the temporary files of path written by process pid:
// ".NAME.tmp-pPID-" followed by random digits.
func tempPrefix(path string, pid int) string {
	return "." + filepath.Base(path) + ".tmp-p" + strconv.Itoa(pid) + "-"
}

// legacyAge is how old a temporary file without a process id (written
// before ids were recorded) must be to count as abandoned.
const legacyAge = time.Hour

// removeStale deletes the temporary files of path that a killed writer left
// behind (a kill -9 during a save): those whose process no longer runs.
// A file of a live process, this one included, is left alone, and so is
// anything that cannot be judged.
func removeStale(path string) {
	prefix := "." + filepath.Base(path) + ".tmp-"
	dir := filepath.Dir(path)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		m := filepath.Join(dir, e.Name())
		if p, ok := strings.CutPrefix(rest, "p"); ok {
			pidStr, _, _ := strings.Cut(p, "-")
			pid, err := strconv.Atoi(pidStr)
			if err == nil && pid != os.Getpid() && processGone(pid) {
				os.Remove(m)
			}
			continue
		}
		if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() && time.Since(st.ModTime()) > legacyAge {
			os.Remove(m)
		}
	}
}

// processGone reports whether no process pid exists (false when unsure).
func processGone(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}
