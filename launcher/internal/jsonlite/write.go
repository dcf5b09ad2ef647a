package jsonlite

import (
	"sort"
	"strconv"
	"unicode/utf8"
)

// Obj is a JSON object whose keys are written in the order given (a struct, for encoding/json).
type Obj []Field

// Field is one key and value of an Obj.
type Field struct {
	Key   string
	Value any
}

// Object is a value that writes itself as an ordered object (the launcher's records).
type Object interface{ JSONObject() Obj }

// List turns a slice of records into a JSON array value; nil stays nil (null, as encoding/json).
func List[T Object](xs []T) any {
	if xs == nil {
		return nil
	}
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x.JSONObject()
	}
	return out
}

// Marshal writes v compactly (encoding/json.Marshal). The values it knows: nil, bool, string, Number,
// int, int64, uint64, *bool, *string, []string, []any, map[string]any, map[string]string, Obj and
// Object; anything else is written as null.
func Marshal(v any) []byte { return appendValue(nil, v, "", "") }

// MarshalIndent writes v with one element per line (encoding/json.MarshalIndent(v, "", indent)).
func MarshalIndent(v any, indent string) []byte { return appendValue(nil, v, "\n", indent) }

// appendValue appends v; nl is "" (compact) or "\n" plus the current indentation.
func appendValue(b []byte, v any, nl, indent string) []byte {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, t)
	case *bool:
		if t == nil {
			return append(b, "null"...)
		}
		return strconv.AppendBool(b, *t)
	case string:
		return AppendString(b, t)
	case *string:
		if t == nil {
			return append(b, "null"...)
		}
		return AppendString(b, *t)
	case Number:
		return append(b, t...)
	case int:
		return strconv.AppendInt(b, int64(t), 10)
	case int64:
		return strconv.AppendInt(b, t, 10)
	case uint64:
		return strconv.AppendUint(b, t, 10)
	case []string:
		if t == nil {
			return append(b, "null"...)
		}
		items := make([]any, len(t))
		for i, s := range t {
			items[i] = s
		}
		return appendArray(b, items, nl, indent)
	case []any:
		if t == nil {
			return append(b, "null"...)
		}
		return appendArray(b, t, nl, indent)
	case map[string]string:
		if t == nil {
			return append(b, "null"...)
		}
		m := make(map[string]any, len(t))
		for k, s := range t {
			m[k] = s
		}
		return appendObject(b, sortedFields(m), nl, indent)
	case map[string]any:
		if t == nil {
			return append(b, "null"...)
		}
		return appendObject(b, sortedFields(t), nl, indent)
	case Obj:
		return appendObject(b, t, nl, indent)
	case Object:
		return appendObject(b, t.JSONObject(), nl, indent)
	}
	return append(b, "null"...)
}

func sortedFields(m map[string]any) Obj {
	o := make(Obj, 0, len(m))
	for k, v := range m {
		o = append(o, Field{k, v})
	}
	sort.Slice(o, func(i, j int) bool { return o[i].Key < o[j].Key })
	return o
}

func appendArray(b []byte, items []any, nl, indent string) []byte {
	if len(items) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	inner := deeper(nl, indent)
	for i, v := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, inner...)
		b = appendValue(b, v, inner, indent)
	}
	b = append(b, nl...)
	return append(b, ']')
}

func appendObject(b []byte, o Obj, nl, indent string) []byte {
	if len(o) == 0 {
		return append(b, "{}"...)
	}
	b = append(b, '{')
	inner := deeper(nl, indent)
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, inner...)
		b = AppendString(b, f.Key)
		b = append(b, ':')
		if nl != "" {
			b = append(b, ' ')
		}
		b = appendValue(b, f.Value, inner, indent)
	}
	b = append(b, nl...)
	return append(b, '}')
}

func deeper(nl, indent string) string {
	if nl == "" {
		return ""
	}
	return nl + indent
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string literal escaped as encoding/json does by default: '"',
// '\\', control characters, '<', '>', '&', U+2028 and U+2029 escaped; invalid UTF-8 as \ufffd.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b = appendASCII(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xF])
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

func appendASCII(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	if c < 0x20 || c == '<' || c == '>' || c == '&' {
		return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
	}
	return append(b, c)
}
