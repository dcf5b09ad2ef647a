package payload_test

// BenchmarkPlaceTree measures the cold-install path of one slot: decode a tar.zst of a Python-runtime-like
// tree (many small files in ~100 folders, a few bigger ones) and write it under a fresh folder. Run it on
// the disk the cache lives on (TMPDIR) to see what a first run costs there:
// writers=N: small files written by N writer goroutines (writers.go).
//   go test ./internal/payload/ -run '^$' -bench PlaceTree -benchtime 10x

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"testing"

	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/payload"
	"flavorpack.dev/launcher/internal/testpkg"
)

// pythonLikeTree is about 1,200 files in 100 folders, 30 MB: mostly 2–40 KB sources and bytecode, every
// 50th file a 1 MB "shared object".
func pythonLikeTree() []testpkg.Entry {
	var entries []testpkg.Entry
	body := bytes.Repeat([]byte("def f(x):\n    return x * 2  # some python source\n"), 1<<15)
	for d := 0; d < 100; d++ {
		dir := fmt.Sprintf("lib/python3.11/pkg%02d/", d)
		entries = append(entries, testpkg.Entry{Name: dir, Type: tar.TypeDir, Mode: 0o755})
		for f := 0; f < 12; f++ {
			n := 2048 + (d*12+f)*331%40000
			if (d*12+f)%50 == 0 {
				n = 1 << 20
			}
			entries = append(entries, testpkg.Entry{Name: fmt.Sprintf("%smod%02d.py", dir, f), Body: string(body[:n]), Mode: 0o644})
		}
	}
	return entries
}

func BenchmarkPlaceTree(b *testing.B) {
	for _, n := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("writers=%d", n), func(b *testing.B) {
			defer payload.SetWriterCount(n)()
			benchmarkPlaceTree(b)
		})
	}
}

func benchmarkPlaceTree(b *testing.B) {
	chain, err := format.ParseChain("tar.zst")
	if err != nil {
		b.Fatal(err)
	}
	entries := pythonLikeTree()
	stored, err := testpkg.Encode(testpkg.Slot{Entries: entries}, chain)
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, e := range entries {
		total += int64(len(e.Body))
	}
	b.SetBytes(total)
	parent := b.TempDir()
	for i := 0; b.Loop(); i++ {
		dir := fmt.Sprintf("%s/%d", parent, i)
		if err := os.Mkdir(dir, 0o700); err != nil {
			b.Fatal(err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := payload.Place(root, payload.Placement{Target: "{workenv}", Chain: chain, Stored: uint64(len(stored))}, bytes.NewReader(stored)); err != nil {
			b.Fatal(err)
		}
		root.Close()
	}
	b.StopTimer()
	os.RemoveAll(parent)
}
