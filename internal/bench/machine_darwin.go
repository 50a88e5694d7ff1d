package bench

import "golang.org/x/sys/unix"

// cpuModel asks the kernel for the CPU's brand string ("Apple M2 Pro").
func cpuModel() string {
	if s, err := unix.Sysctl("machdep.cpu.brand_string"); err == nil && s != "" {
		return s
	}
	return "unknown"
}
