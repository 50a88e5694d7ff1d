package parallel

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// currentCPU returns the number of the CPU this goroutine's thread runs on
// (getcpu(2), a fraction of a microsecond), and false if the system call
// fails.
func currentCPU() (int, bool) {
	var cpu uint32
	if _, _, errno := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), 0, 0); errno != 0 {
		return 0, false
	}
	return int(cpu), true
}
