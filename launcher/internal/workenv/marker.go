package workenv

import (
	"encoding/hex"
	"os"
	"path/filepath"

	"flavorpack.dev/launcher/internal/jsonlite"
)

// MarkerFormat is the "marker" value of a ready marker.
const MarkerFormat = "flavor-workenv/1"

// Marker is the JSON content of <id>.ready (docs/workenv.md).
type Marker struct {
	Marker          string       `json:"marker"`
	ID              string       `json:"id"`
	MetadataSHA256  string       `json:"metadata_sha256"`
	Package         MarkerPkg    `json:"package"`
	InstalledAt     string       `json:"installed_at"`
	LauncherVersion string       `json:"launcher_version"`
	Entries         []string     `json:"entries"`
	Slots           []MarkerSlot `json:"slots"`
}

type MarkerPkg struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type MarkerSlot struct {
	Index     int    `json:"index"`
	ID        string `json:"id"`
	Target    string `json:"target"`
	Lifecycle string `json:"lifecycle"`
	SHA256    string `json:"sha256"`
}

// ReadMarker reads and decodes the marker file name in dir.
func ReadMarker(dir *os.Root, name string) (*Marker, error) {
	b, err := dir.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return parseMarker(b)
}

// parseMarker reads a marker; every field has the type written by writeMarker (the json tags above:
// record_test.go checks the launcher writes what encoding/json would).
func parseMarker(b []byte) (*Marker, error) {
	f, err := jsonlite.ParseObject(b)
	if err != nil {
		return nil, err
	}
	pkg := f.Object("package")
	m := &Marker{Marker: f.String("marker"), ID: f.String("id"), MetadataSHA256: f.String("metadata_sha256"),
		Package:     MarkerPkg{Name: pkg.String("name"), Version: pkg.String("version")},
		InstalledAt: f.String("installed_at"), LauncherVersion: f.String("launcher_version"), Entries: f.Strings("entries")}
	for _, s := range f.Objects("slots") {
		m.Slots = append(m.Slots, MarkerSlot{Index: int(s.Int("index")), ID: s.String("id"), Target: s.String("target"),
			Lifecycle: s.String("lifecycle"), SHA256: s.String("sha256")})
		if s.Err != nil {
			return nil, s.Err
		}
	}
	if pkg.Err != nil {
		return nil, pkg.Err
	}
	return m, f.Err
}

func (m *Marker) JSONObject() jsonlite.Obj {
	return jsonlite.Obj{{Key: "marker", Value: m.Marker}, {Key: "id", Value: m.ID}, {Key: "metadata_sha256", Value: m.MetadataSHA256},
		{Key: "package", Value: jsonlite.Obj{{Key: "name", Value: m.Package.Name}, {Key: "version", Value: m.Package.Version}}},
		{Key: "installed_at", Value: m.InstalledAt}, {Key: "launcher_version", Value: m.LauncherVersion},
		{Key: "entries", Value: m.Entries}, {Key: "slots", Value: jsonlite.List(m.Slots)}}
}

func (s MarkerSlot) JSONObject() jsonlite.Obj {
	return jsonlite.Obj{{Key: "index", Value: s.Index}, {Key: "id", Value: s.ID}, {Key: "target", Value: s.Target},
		{Key: "lifecycle", Value: s.Lifecycle}, {Key: "sha256", Value: s.SHA256}}
}

// Matches reports whether the marker belongs to the package with this id and metadata hash.
func (m *Marker) Matches(id string, metadataSHA256 [32]byte) bool {
	return m.Marker == MarkerFormat && m.ID == id && m.MetadataSHA256 == hex.EncodeToString(metadataSHA256[:])
}

// TreeIntact checks that the entry tree of dir is a real directory holding every listed top-level entry.
func (m *Marker) TreeIntact(dir *os.Root, tree string) bool {
	fi, err := dir.Lstat(tree)
	if err != nil || !fi.IsDir() {
		return false
	}
	for _, e := range m.Entries {
		if e == "" || e == "." || e == ".." || filepath.Base(e) != e {
			return false
		}
		if _, err := dir.Lstat(filepath.Join(tree, e)); err != nil {
			return false
		}
	}
	return true
}

// writeMarker writes the marker to a temp file next to name in dir, fsyncs and renames it into place.
func writeMarker(dir *os.Root, name string, m *Marker) error {
	b := jsonlite.MarshalIndent(m, "  ")
	tmp := name + ".tmp-" + randHex()
	f, err := dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = dir.Rename(tmp, name)
	}
	if err != nil {
		dir.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir flushes a directory after a rename. Some platforms (Windows) cannot fsync a directory;
// the rename is atomic there anyway, so a failure to sync is not an error.
func syncDir(dir *os.Root) error {
	d, err := dir.Open(".")
	if err != nil {
		return err
	}
	_ = d.Sync()
	return d.Close()
}
