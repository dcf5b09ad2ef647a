package verify_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
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

// sbomLike is a CycloneDX document shaped like the one `flavor pack` writes into the metadata
// (docs/supply-chain.md): launcher, runtime and three slot components plus n Python distributions,
// each with a purl, licence, SHA-256, wheel URL and properties.
func sbomLike(n int) map[string]any {
	hex := func(i int) string { return fmt.Sprintf("%064x", i*7919+1) }
	prop := func(name, value string) map[string]any {
		return map[string]any{"name": "flavorpack:" + name, "value": value}
	}
	sum := func(i int) []any { return []any{map[string]any{"alg": "SHA-256", "content": hex(i)}} }
	components := []any{
		map[string]any{"type": "application", "bom-ref": "launcher", "name": "flavor-launcher", "version": "0.1.0",
			"hashes": sum(0), "properties": []any{prop("launcher:size", "3772542")}},
		map[string]any{"type": "platform", "bom-ref": "python-runtime", "name": "cpython", "version": "3.13.0",
			"purl": "pkg:generic/cpython@3.13.0", "hashes": sum(1),
			"properties": []any{prop("python:source", "pyenv"), prop("python:abi", "cpython-313-x86_64-linux-gnu"),
				prop("python:bundled_libs", "libbz2.so.1.0,libcrypto.so.3,libffi.so.8,liblzma.so.5,libssl.so.3,libz.so.1")}},
	}
	deps := []any{}
	for i := 0; i < n; i++ {
		purl := fmt.Sprintf("pkg:pypi/distribution-%d@1.%d.0", i, i)
		components = append(components, map[string]any{
			"type": "library", "bom-ref": purl, "name": fmt.Sprintf("distribution-%d", i), "version": fmt.Sprintf("1.%d.0", i),
			"purl": purl, "licenses": []any{map[string]any{"expression": "BSD-3-Clause"}}, "hashes": sum(i + 10),
			"externalReferences": []any{map[string]any{"type": "distribution",
				"url": fmt.Sprintf("https://files.pythonhosted.org/packages/31/7d/%s/distribution_%d-1.%d.0-py3-none-any.whl", hex(i)[:60], i, i)}},
			"properties": []any{prop("python:slot", "site-packages"), prop("python:origin", "wheel"),
				prop("python:index_url", "https://pypi.org/simple"), prop("python:license_source", "License-Expression")},
		})
		deps = append(deps, map[string]any{"ref": purl, "dependsOn": []any{}})
	}
	for _, id := range []string{"runtime", "site-packages", "app"} {
		components = append(components, map[string]any{"type": "file", "bom-ref": "slot:" + id, "name": id, "hashes": sum(len(id)),
			"properties": []any{prop("slot:purpose", "payload"), prop("slot:target", "{workenv}"), prop("slot:operations", "tar.zst")}})
	}
	return map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:87e5aafc-eff4-54e0-b798-c821731eda98",
		"version": 1, "metadata": map[string]any{"component": map[string]any{"type": "application", "bom-ref": "package", "name": "app", "version": "1.0"}},
		"components": components, "dependencies": deps}
}

// storedSBOM is the metadata field `flavor pack` writes (src/builder/sbom-field.ts): the document as
// compact JSON, gzip'd and base64-encoded, with its size and SHA-256.
func storedSBOM(doc map[string]any) map[string]any {
	js, _ := json.Marshal(doc)
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(js)
	w.Close()
	return map[string]any{"media_type": "application/vnd.cyclonedx+json", "spec_version": "1.6", "encoding": "gzip+base64",
		"size": len(js), "sha256": fmt.Sprintf("%x", sha256.Sum256(js)), "data": base64.StdEncoding.EncodeToString(buf.Bytes())}
}

// BenchmarkVerifyWarmSBOM is what the SBOM in the metadata costs a warm start (docs/supply-chain.md):
// open, gunzip, parse and signature-check the metadata of a 1 MB package without an SBOM, and with
// SBOMs of 6 (examples/cli) and 100 distributions, stored as `flavor pack` stores them ("encoded":
// gzip+base64) and, for comparison, as a plain JSON object. Reports the signed JSON and gzip sizes.
func BenchmarkVerifyWarmSBOM(b *testing.B) {
	for _, c := range []struct {
		name    string
		n       int
		encoded bool
	}{{"none", -1, false}, {"cli-6-dists-encoded", 6, true}, {"100-dists-encoded", 100, true},
		{"cli-6-dists-object", 6, false}, {"100-dists-object", 100, false}} {
		spec := testpkg.Spec{Slots: []testpkg.Slot{{ID: "blob", Target: "blob", Operations: "raw", Data: randomBytes(1 << 20)}}}
		if c.n >= 0 && c.encoded {
			spec.Extra = map[string]any{"sbom": storedSBOM(sbomLike(c.n))}
		} else if c.n >= 0 {
			spec.Extra = map[string]any{"sbom": sbomLike(c.n)}
		}
		built, err := testpkg.Build(spec)
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(b.TempDir(), "p.psp")
		os.WriteFile(path, built.Bytes, 0o644)
		trust, _ := verify.LoadTrust("")
		b.Run(c.name, func(b *testing.B) {
			var gz int64
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
				gz = int64(p.Index.MetadataSize)
				f.Close()
			}
			b.ReportMetric(float64(len(built.Metadata)), "json-bytes")
			b.ReportMetric(float64(gz), "gzip-bytes")
		})
	}
}
