// Package jsonlite is the launcher's JSON: a strict reader into a generic tree and a writer of ordered
// values, in place of encoding/json (which, with the reflection it needs, was ~360 KB of the
// launcher; docs/launcher.md "Size").
//
// The reader accepts exactly what encoding/json accepts (RFC 8259; the fuzz test compares both) and
// builds what encoding/json's Decoder with UseNumber builds: nil, bool, string, Number, []any and
// map[string]any (a later duplicate key replaces the earlier one; invalid UTF-8 and lone surrogate
// escapes become U+FFFD). Nesting deeper than MaxDepth is refused; every read is bound-checked.
//
// The writer produces byte for byte what encoding/json's Marshal, MarshalIndent and Encoder produce
// for the same values: HTML-safe string escapes, map keys sorted, nil slices and maps as null.
package jsonlite
