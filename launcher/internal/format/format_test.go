package format

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
)

func TestAdler32OfZeroIndex(t *testing.T) {
	// Sanity vector from the upstream fact sheet: Adler-32 of 8192 zero bytes.
	if got := IndexAdler32(make([]byte, IndexSize)); got != 0x20000001 {
		t.Fatalf("got 0x%08x", got)
	}
}

func TestUnpackOps(t *testing.T) {
	// Upstream operations.json vectors (only the v0 ones; 0x31 is not a v0 op).
	cases := []struct {
		packed uint64
		want   Chain
		code   string
	}{
		{0, nil, ""},
		{0x10, Chain{OpGzip}, ""},
		{0x01, Chain{OpTar}, ""},
		{0x1001, Chain{OpTar, OpGzip}, ""},
		{0x1301, Chain{OpTar, OpBzip2}, ""},
		{0x1B01, Chain{OpTar, OpZstd}, ""},
		{0x311001, nil, errs.UnknownOperation},
		{0x100001, nil, errs.UnknownOperation}, // op after the terminator
		{0x02, nil, errs.UnknownOperation},
	}
	for _, c := range cases {
		got, err := UnpackOps(c.packed)
		if errs.CodeOf(err) != c.code && !(c.code == "" && err == nil) {
			t.Fatalf("0x%x: err %v, want %s", c.packed, err, c.code)
		}
		if c.code == "" && (!got.Equal(c.want) || PackOps(got) != c.packed) {
			t.Fatalf("0x%x: got %v", c.packed, got)
		}
	}
}

func TestParseChain(t *testing.T) {
	cases := map[string]Chain{
		"": {}, "raw": {}, "NONE": {}, "gzip": {OpGzip}, "tar": {OpTar}, "tar.gz": {OpTar, OpGzip}, "TGZ": {OpTar, OpGzip},
		"zstd": {OpZstd}, "tar.zst": {OpTar, OpZstd}, "xz": {OpXz}, "tar.xz": {OpTar, OpXz}, "txz": {OpTar, OpXz},
		"bzip2": {OpBzip2}, "tar.bz2": {OpTar, OpBzip2}, "tbz2": {OpTar, OpBzip2}, "tar|gzip": {OpTar, OpGzip},
		" Tar | ZSTD ": {OpTar, OpZstd}, "tar,gzip": {OpTar, OpGzip}, " TAR , zstd": {OpTar, OpZstd}, // Rust builder's comma lists
	}
	for in, want := range cases {
		got, err := ParseChain(in)
		if err != nil || !got.Equal(want) {
			t.Fatalf("%q: got %v %v", in, got, err)
		}
	}
	for in, code := range map[string]string{"tar,,gzip": errs.UnknownOperation, "lz4": errs.UnknownOperation,
		"gzip|gzip|gzip|gzip|gzip|gzip|gzip|gzip|gzip": errs.ChainTooLong} {
		if _, err := ParseChain(in); errs.CodeOf(err) != code {
			t.Fatalf("%q: %v", in, err)
		}
	}
}

func TestDescriptorUpstreamVector(t *testing.T) {
	// Upstream test_vectors.json "tar_gzip", bytes 0..55 (the tail is stale upstream; see the fact sheet §9).
	raw, _ := hex.DecodeString("2a00000000000000d772471210e0028b0020000000000000001000000000000000400000000000000110000000000000efbeadde00000000")
	tail := make([]byte, 8)
	d := DecodeDescriptor(append(append([]byte{}, raw...), tail...))
	if d.ID != 42 || d.NameHash != 10016814880856175319 || d.Offset != 0x2000 || d.Size != 0x1000 || d.OriginalSize != 0x4000 || d.Operations != 0x1001 || d.Checksum != 0xdeadbeef {
		t.Fatalf("decode: %+v", d)
	}
	if !bytes.Equal(EncodeDescriptor(d)[:56], raw) {
		t.Fatal("encode")
	}
	h := sha256.Sum256([]byte("archive.tar.gz"))
	if binary.LittleEndian.Uint64(h[:8]) != d.NameHash {
		t.Fatal("name hash = SHA-256(name)[0:8] LE")
	}
}

func TestDecompressMetadata(t *testing.T) {
	if _, err := DecompressMetadata([]byte("not gzip")); errs.CodeOf(err) != errs.MetadataCompression {
		t.Fatal(err)
	}
	gz := gzipBytes([]byte(`{}`))
	if _, err := DecompressMetadata(append(append([]byte{}, gz...), gz...)); errs.CodeOf(err) != errs.MetadataCompression {
		t.Fatalf("two members: %v", err)
	}
	if _, err := DecompressMetadata(append(append([]byte{}, gz...), 0)); errs.CodeOf(err) != errs.MetadataCompression {
		t.Fatalf("trailing byte: %v", err)
	}
	bomb := gzipBytes(make([]byte, MaxMetadataSize+1))
	if _, err := DecompressMetadata(bomb); errs.CodeOf(err) != errs.MetadataTooLarge {
		t.Fatalf("bomb: %v", err)
	}
	if out, err := DecompressMetadata(gz); err != nil || string(out) != "{}" {
		t.Fatal(out, err)
	}
}

func TestParseMetadataErrors(t *testing.T) {
	ok := `{"format":"PSPF/2025","package":{"name":"a","version":"1"},"slots":[],"execution":{"primary_slot":0,"command":"x"}}`
	if _, err := ParseMetadata([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		`{`:        errs.MetadataJSON,
		ok + ` {}`: errs.MetadataJSON,
		"\xff":     errs.MetadataJSON,
		`[]`:       errs.MetadataSchema,
		`{"format":"PSPF/2025","package":{"name":"","version":"1"},"slots":[],"execution":{"primary_slot":0,"command":"x"}}`:                                                                                                                                                       errs.MetadataSchema,
		`{"format":"PSPF/2025","package":{"name":"a","version":"1"},"slots":[],"execution":{"primary_slot":0,"command":""}}`:                                                                                                                                                       errs.MetadataSchema,
		`{"format":"PSPF/2025","package":{"name":"a","version":"1"},"slots":[{"slot":1,"id":"a","target":"","size":0,"checksum":"sha256:` + hex.EncodeToString(make([]byte, 32)) + `","operations":"","purpose":"","lifecycle":""}],"execution":{"primary_slot":0,"command":"x"}}`: errs.MetadataSchema,
		`{"format":"PSPF/2025","package":{"name":"a","version":"1"},"slots":[{"slot":0,"id":"a","target":"","size":0,"checksum":"sha256:ABC","operations":"","purpose":"","lifecycle":""}],"execution":{"primary_slot":0,"command":"x"}}`:                                          errs.MetadataSchema,
	}
	for in, code := range cases {
		if _, err := ParseMetadata([]byte(in)); errs.CodeOf(err) != code {
			t.Fatalf("%.60q: got %v, want %s", in, err, code)
		}
	}
}

func TestParsePermissions(t *testing.T) {
	for in, want := range map[string]uint32{"0755": 0o755, "0o644": 0o644, "755": 0o755, "7777": 0o7777} {
		if got, ok := ParsePermissions(in); !ok || got != want {
			t.Fatalf("%q: %o", in, got)
		}
	}
	for _, in := range []string{"", "rwx", "0o", "9", "77777"} {
		if _, ok := ParsePermissions(in); ok {
			t.Fatalf("%q accepted", in)
		}
	}
}
