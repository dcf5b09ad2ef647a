// Package testpkg builds small PSPF/2025 packages for tests (any launcher bytes; raw, gzip, zstd,
// xz and tar slots) and corrupts them on purpose. It is imported only by tests.
package testpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/adler32"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"flavorpack.dev/launcher/internal/format"
)

// Entry is one tar member.
type Entry struct {
	Name     string
	Type     byte // tar.TypeReg by default
	Body     string
	Linkname string
	Mode     int64 // default 0644 (files), 0755 (dirs)
}

// Slot describes one slot. Tar chains use Entries; other chains use Data.
type Slot struct {
	ID          string
	Target      string
	Operations  string // chain name, e.g. "tgz", "raw", "tar.zst"
	Lifecycle   string
	Permissions string // "" = omitted
	Platform    string // "" = omitted (every machine)
	Data        []byte
	Entries     []Entry
}

// Spec describes a package.
type Spec struct {
	Name, Version string
	Command       string
	Launcher      []byte
	Slots         []Slot
	Extra         map[string]any // more top-level metadata keys (runtime, workenv, setup_commands, ...)
	Execution     map[string]any // more execution keys (env, commands, ...)
	Seed          string         // key seed; the key is SHA-256(seed) as in upstream
	Unsigned      bool
}

// Key returns the Ed25519 key derived from seed.
func Key(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

// Built is a package and the pieces it was made of.
type Built struct {
	Bytes    []byte
	Metadata []byte // signed JSON
	Public   ed25519.PublicKey
}

// Build assembles the package.
func Build(s Spec) (*Built, error) {
	if s.Seed == "" {
		s.Seed = "test123"
	}
	if s.Name == "" {
		s.Name = "hello"
	}
	if s.Version == "" {
		s.Version = "1.0.0"
	}
	if s.Command == "" {
		s.Command = "/bin/true"
	}
	stored := make([][]byte, len(s.Slots))
	chains := make([]format.Chain, len(s.Slots))
	for i, sl := range s.Slots {
		chain, err := format.ParseChain(sl.Operations)
		if err != nil {
			return nil, err
		}
		chains[i] = chain
		if stored[i], err = Encode(sl, chain); err != nil {
			return nil, err
		}
	}
	meta, err := s.metadata(stored)
	if err != nil {
		return nil, err
	}
	gz := Gzip(meta)
	var out bytes.Buffer
	out.Write(s.Launcher)
	metaOff := out.Len()
	out.Write(gz)
	pad8(&out)
	tableOff := out.Len()
	out.Write(make([]byte, 64*len(s.Slots)))
	descs := make([]format.Descriptor, len(s.Slots))
	for i, data := range stored {
		pad8(&out)
		sum := sha256.Sum256(data)
		nh := sha256.Sum256([]byte(s.Slots[i].ID))
		perm, _ := format.ParsePermissions(s.Slots[i].Permissions)
		descs[i] = format.Descriptor{ID: uint64(i), NameHash: binary.LittleEndian.Uint64(nh[:8]), Offset: uint64(out.Len()),
			Size: uint64(len(data)), OriginalSize: uint64(len(data)), Operations: format.PackOps(chains[i]),
			Checksum: binary.LittleEndian.Uint64(sum[:8]), Priority: 1, Lifecycle: 2, Permissions: uint16(perm)}
		out.Write(data)
	}
	b := out.Bytes()
	if len(s.Slots) == 0 {
		tableOff = 0
	}
	for i, d := range descs {
		copy(b[tableOff+64*i:], format.EncodeDescriptor(d))
	}
	total := len(b) + format.TrailerSize
	idx := make([]byte, format.IndexSize)
	le := binary.LittleEndian
	le.PutUint32(idx[0:], format.FormatVersion)
	le.PutUint64(idx[8:], uint64(total))
	le.PutUint64(idx[16:], uint64(len(s.Launcher)))
	le.PutUint64(idx[24:], uint64(metaOff))
	le.PutUint64(idx[32:], uint64(len(gz)))
	le.PutUint64(idx[40:], uint64(tableOff))
	le.PutUint64(idx[48:], uint64(64*len(s.Slots)))
	le.PutUint32(idx[56:], uint32(len(s.Slots)))
	key := Key(s.Seed)
	pub := key.Public().(ed25519.PublicKey)
	copy(idx[64:96], pub)
	ms := sha256.Sum256(gz)
	copy(idx[96:128], ms[:])
	if !s.Unsigned {
		copy(idx[128:192], ed25519.Sign(key, meta))
	}
	idx[640], idx[641] = 2, 1
	le.PutUint32(idx[644:], 4096)
	le.PutUint64(idx[832:], 0x81)
	le.PutUint32(idx[856:], format.FormatVersion)
	le.PutUint32(idx[860:], 1)
	le.PutUint32(idx[4:], adler32.Checksum(idx))
	b = append(b, format.StartMagic...)
	b = append(b, idx...)
	b = append(b, format.EndMagic...)
	return &Built{Bytes: b, Metadata: meta, Public: pub}, nil
}

func (s Spec) metadata(stored [][]byte) ([]byte, error) {
	slots := make([]any, len(s.Slots))
	for i, sl := range s.Slots {
		sum := sha256.Sum256(stored[i])
		lc := sl.Lifecycle
		if lc == "" {
			lc = "runtime"
		}
		m := map[string]any{"slot": i, "id": sl.ID, "target": sl.Target, "size": len(stored[i]),
			"checksum": "sha256:" + hex.EncodeToString(sum[:]), "operations": sl.Operations, "purpose": "data", "lifecycle": lc}
		if sl.Permissions != "" {
			m["permissions"] = sl.Permissions
		}
		if sl.Platform != "" {
			m["platform"] = sl.Platform
		}
		slots[i] = m
	}
	exec := map[string]any{"primary_slot": 0, "command": s.Command}
	for k, v := range s.Execution {
		exec[k] = v
	}
	doc := map[string]any{"format": format.FormatName, "format_version": "1.0.0",
		"package": map[string]any{"name": s.Name, "version": s.Version}, "slots": slots, "execution": exec}
	for k, v := range s.Extra {
		doc[k] = v
	}
	return json.MarshalIndent(doc, "", "  ")
}

// Encode builds the stored bytes of a slot by applying its chain.
func Encode(sl Slot, chain format.Chain) ([]byte, error) {
	data := sl.Data
	for _, op := range chain {
		var err error
		switch op {
		case format.OpTar:
			data, err = Tar(sl.Entries)
		case format.OpGzip:
			data = Gzip(data)
		case format.OpZstd:
			data, err = Zstd(data)
		case format.OpXz:
			data, err = Xz(data)
		default:
			err = fmt.Errorf("testpkg cannot encode %s", op.Name())
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// Tar writes entries as a tar stream.
func Tar(entries []Entry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Linkname, Mode: e.Mode, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(e.Body))
		}
	}
	err := tw.Close()
	return buf.Bytes(), err
}

// Gzip compresses b (mtime 0).
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Zstd compresses b.
func Zstd(b []byte) ([]byte, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil), nil
}

// Xz compresses b.
func Xz(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		return nil, err
	}
	w.Write(b)
	err = w.Close()
	return buf.Bytes(), err
}

func pad8(b *bytes.Buffer) {
	for b.Len()%8 != 0 {
		b.WriteByte(0)
	}
}

// IndexOffset is where the index block starts in pkg.
func IndexOffset(pkg []byte) int { return len(pkg) - format.TrailerSize + 4 }

// FixIndexChecksum recomputes the index Adler-32 after a deliberate edit.
func FixIndexChecksum(pkg []byte) {
	idx := pkg[IndexOffset(pkg) : IndexOffset(pkg)+format.IndexSize]
	binary.LittleEndian.PutUint32(idx[4:], format.IndexAdler32(idx))
}

// Resign replaces the public key and signature with ones made by seed (over the same metadata).
func Resign(pkg, metadata []byte, seed string) {
	key := Key(seed)
	idx := pkg[IndexOffset(pkg) : IndexOffset(pkg)+format.IndexSize]
	copy(idx[64:96], key.Public().(ed25519.PublicKey))
	copy(idx[128:192], ed25519.Sign(key, metadata))
	FixIndexChecksum(pkg)
}

// Simple is a one-slot package: a tar.gz slot with a run.sh, run by /bin/sh.
func Simple(script string) Spec {
	return Spec{
		Command: "/bin/sh {workenv}/run.sh",
		Slots: []Slot{{ID: "app", Target: "{workenv}", Operations: "tgz", Entries: []Entry{
			{Name: "run.sh", Body: script, Mode: 0o755},
		}}},
	}
}
