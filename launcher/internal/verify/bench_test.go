package verify_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/testpkg"
	"flavorpack.dev/launcher/internal/verify"
	"flavorpack.dev/launcher/internal/workenv"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// BenchmarkVerifyWarm opens and verifies (structure + signature, no slot hashing) packages of
// 1 MB and 100 MB from a file: the time must not grow with the package size.
func BenchmarkVerifyWarm(b *testing.B) {
	for _, size := range []int{1 << 20, 100 << 20} {
		spec := testpkg.Spec{Slots: []testpkg.Slot{{ID: "blob", Target: "blob", Operations: "raw", Data: randomBytes(size)}}}
		built, err := testpkg.Build(spec)
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(b.TempDir(), "p.psp")
		os.WriteFile(path, built.Bytes, 0o644)
		trust, _ := verify.LoadTrust("")
		b.Run(fmt.Sprintf("%dMB", size>>20), func(b *testing.B) {
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				fi, _ := f.Stat()
				p, err := verify.Decode(f, fi.Size())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Authenticate(verify.Strict, trust); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

// BenchmarkExtract measures decoding + hashing + writing of an 8 MB tree per chain.
func BenchmarkExtract(b *testing.B) {
	var entries []testpkg.Entry
	for i := 0; i < 64; i++ {
		half := randomBytes(64 << 10)
		entries = append(entries, testpkg.Entry{Name: fmt.Sprintf("d%d/f%d", i%8, i), Body: string(append(half, bytes.Repeat([]byte("text "), 13<<10)...))})
	}
	total := 0
	for _, e := range entries {
		total += len(e.Body)
	}
	for _, ops := range []string{"tar.gz", "tar.zst"} {
		built, err := testpkg.Build(testpkg.Spec{Slots: []testpkg.Slot{{ID: "tree", Target: "{workenv}", Operations: ops, Entries: entries}}})
		if err != nil {
			b.Fatal(err)
		}
		p, err := verify.Decode(bytes.NewReader(built.Bytes), int64(len(built.Bytes)))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(ops, func(b *testing.B) {
			b.SetBytes(int64(total))
			for b.Loop() {
				dir := b.TempDir()
				root, _ := os.OpenRoot(dir)
				if _, err := workenv.PlaceSlot(root, p, 0); err != nil {
					b.Fatal(err)
				}
				root.Close()
				os.RemoveAll(dir)
			}
		})
	}
}

// BenchmarkVerifySlot hashes a 32 MB slot from a package file (in the page cache): the pre-hash a cold
// start does before decoding anything.
func BenchmarkVerifySlot(b *testing.B) {
	built, err := testpkg.Build(testpkg.Spec{Slots: []testpkg.Slot{{ID: "blob", Target: "blob", Operations: "raw", Data: randomBytes(32 << 20)}}})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "p.psp")
	os.WriteFile(path, built.Bytes, 0o644)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	p, err := verify.Decode(f, fi.Size())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(32 << 20)
	for b.Loop() {
		if err := p.VerifySlot(0); err != nil {
			b.Fatal(err)
		}
	}
}
