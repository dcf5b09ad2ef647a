package cli

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// execFn returns AT_EXECFN from the auxiliary vector: the path the process was started with (the
// first argument of execve, relative to the working folder at that time), which the kernel copies to
// the top of the new stack. It is read there, up to a NUL, at most 4096 bytes (PATH_MAX).
// atExecFn is AT_EXECFN in <elf.h> (the same on every Linux architecture).
const atExecFn = 31

func execFn() []string {
	auxv, err := unix.Auxv()
	if err != nil {
		return nil
	}
	for _, kv := range auxv {
		if kv[0] != atExecFn || kv[1] == 0 {
			continue
		}
		base := *(*unsafe.Pointer)(unsafe.Pointer(&kv[1])) // the address the kernel gave, not a Go pointer
		for n := 0; n < 4096; n++ {
			if *(*byte)(unsafe.Add(base, n)) == 0 {
				return []string{string(unsafe.Slice((*byte)(base), n))}
			}
		}
	}
	return nil
}
