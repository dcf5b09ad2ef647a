package format

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"flavorpack.dev/launcher/internal/errs"
)

// MaxJSONDepth is the deepest nesting of arrays and objects the metadata may have (encoding/json's
// own limit; src/format/json-keys.ts applies the same one).
const MaxJSONDepth = 10000

// CheckJSONKeys walks JSON text that the JSON parser has already accepted and refuses, at the first
// occurrence in document order (METADATA_JSON):
//   - an object with two keys that are equal, or equal after KeyFold (they "differ only in case");
//   - an escaped lone UTF-16 surrogate ("\ud800") anywhere: decoders disagree on what it means;
//   - nesting deeper than MaxJSONDepth.
//
// Every object at every level is checked, including maps (env) and objects inside arrays. It is the
// same algorithm as checkJsonKeys in src/format/json-keys.ts, so both readers refuse the same documents.
func CheckJSONKeys(text []byte) error {
	s := &keyScanner{text: text}
	return s.run()
}

// KeyFold maps a key to the form two keys are compared in: ASCII letters upper-cased, and the two
// non-ASCII letters that Go's encoding/json folds onto ASCII letters (U+017F long s → S, U+212A
// Kelvin sign → K) replaced by them. Every other character is compared exactly.
func KeyFold(key string) string {
	out := make([]rune, 0, len(key))
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r == 0x17F:
			r = 'S'
		case r == 0x212A:
			r = 'K'
		}
		out = append(out, r)
	}
	return string(out)
}

type keyFrame struct {
	object bool
	path   string
	keys   map[string]string // folded → as written
	key    string            // the last key read (objects)
	index  int               // the current element (arrays)
}

type keyScanner struct {
	text      []byte
	stack     []*keyFrame
	expectKey bool
}

func (s *keyScanner) run() error {
	for i := 0; i < len(s.text); i++ {
		switch c := s.text[i]; c {
		case '"':
			str, end, err := decodeJSONString(s.text, i)
			if err != nil {
				return errs.New(errs.MetadataJSON, "metadata JSON has a %s in %s", err, s.where())
			}
			if s.expectKey {
				if err := s.addKey(str); err != nil {
					return err
				}
			}
			i = end - 1
		case '{', '[':
			if len(s.stack) >= MaxJSONDepth {
				return errs.New(errs.MetadataJSON, "metadata JSON is nested deeper than %d levels", MaxJSONDepth)
			}
			s.stack = append(s.stack, &keyFrame{object: c == '{', path: s.childPath(), keys: map[string]string{}})
			s.expectKey = c == '{'
		case '}', ']':
			s.stack = s.stack[:len(s.stack)-1]
			s.expectKey = false
		case ',':
			top := s.top()
			s.expectKey = top != nil && top.object
			if top != nil && !top.object {
				top.index++
			}
		}
	}
	return nil
}

func (s *keyScanner) top() *keyFrame {
	if len(s.stack) == 0 {
		return nil
	}
	return s.stack[len(s.stack)-1]
}

func (s *keyScanner) where() string {
	if top := s.top(); top != nil {
		return top.path
	}
	return "(root)"
}

// childPath names the value that starts now, e.g. "execution.env" or "slots[1]".
func (s *keyScanner) childPath() string {
	top := s.top()
	switch {
	case top == nil:
		return "(root)"
	case top.object && top.path == "(root)":
		return top.key
	case top.object:
		return top.path + "." + top.key
	}
	return fmt.Sprintf("%s[%d]", top.path, top.index)
}

func (s *keyScanner) addKey(key string) error {
	top := s.top()
	s.expectKey = false
	folded := KeyFold(key)
	if first, dup := top.keys[folded]; dup {
		if first == key {
			return errs.New(errs.MetadataJSON, "metadata JSON has the key %q twice in %s", key, top.path).
				WithHint("every key may appear once: readers disagree on which duplicate wins")
		}
		return errs.New(errs.MetadataJSON, "metadata JSON has the keys %q and %q in %s, which differ only in case", first, key, top.path).
			WithHint("keys that differ only in case are refused: some readers match keys case-insensitively")
	}
	top.keys[folded] = key
	top.key = key
	return nil
}

var simpleEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// decodeJSONString decodes the string literal starting at text[start] (a '"') and returns it and the
// offset after its closing quote. The text is valid JSON, so only surrogate escapes can fail.
func decodeJSONString(text []byte, start int) (string, int, error) {
	out := make([]byte, 0, 16)
	for i := start + 1; i < len(text); {
		c := text[i]
		switch {
		case c == '"':
			return string(out), i + 1, nil
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		esc := text[i+1]
		if esc != 'u' {
			out = append(out, simpleEscapes[esc])
			i += 2
			continue
		}
		r, n, err := decodeUnicodeEscape(text, i)
		if err != nil {
			return "", 0, err
		}
		out = utf8.AppendRune(out, r)
		i += n
	}
	return "", 0, fmt.Errorf("unterminated string")
}

// decodeUnicodeEscape decodes \uXXXX (or a surrogate pair \uD8xx\uDCxx) at text[i]; a lone surrogate
// is an error.
func decodeUnicodeEscape(text []byte, i int) (rune, int, error) {
	hi := hex4(text, i+2)
	switch {
	case hi >= 0xDC00 && hi <= 0xDFFF:
		return 0, 0, fmt.Errorf("lone surrogate escape \\u%04x", hi)
	case hi < 0xD800 || hi > 0xDBFF:
		return rune(hi), 6, nil
	}
	if i+12 <= len(text) && text[i+6] == '\\' && text[i+7] == 'u' {
		if lo := hex4(text, i+8); lo >= 0xDC00 && lo <= 0xDFFF {
			return 0x10000 + (rune(hi)-0xD800)<<10 + (rune(lo) - 0xDC00), 12, nil
		}
	}
	return 0, 0, fmt.Errorf("lone surrogate escape \\u%04x", hi)
}

func hex4(text []byte, at int) int {
	if at+4 > len(text) {
		return -1
	}
	v, err := strconv.ParseUint(string(text[at:at+4]), 16, 16)
	if err != nil {
		return -1
	}
	return int(v)
}
