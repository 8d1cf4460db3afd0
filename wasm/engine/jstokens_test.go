//go:build !(js && wasm)

package engine

import (
	"strings"
	"unicode"
)

// A jsToken is a token of a script, as TestJavaScriptAgrees reads scripts: enough of
// JavaScript's lexical grammar to find strings, names, numbers and
// punctuation outside comments. Template literals are one string token
// (their ${} parts unread); a "/" starts a regular expression literal
// where an expression may start (after one of ( , = : [ ! & | ? ; { } or
// a keyword such as return), as JavaScript's own rule does in practice.
type jsToken struct {
	kind byte   // 's' string, 'n' name, '0' number, 'p' punctuation, 'r' regular expression
	text string // a string's value between its quotes; otherwise as written
	line int
}

// punctuators are the operators the checks read, longest first.
var punctuators = []string{"===", "!==", "...", "==", "!=", "<=", ">=", "=>", "&&", "||", "??"}

// tokenize splits src into tokens; comments are left out.
func tokenize(src string) []jsToken {
	var out []jsToken
	line := 1
	regexOK := func() bool {
		if len(out) == 0 {
			return true
		}
		last := out[len(out)-1]
		switch last.kind {
		case 'p':
			return last.text != ")" && last.text != "]" && last.text != "}"
		case 'n':
			return last.text == "return" || last.text == "typeof" || last.text == "case"
		}
		return false
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				end = len(src) - i - 2
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '\'' || c == '"' || c == '`':
			start, at := i+1, line
			i++
			for i < len(src) && src[i] != c {
				if src[i] == '\\' {
					i++
				}
				if i < len(src) && src[i] == '\n' {
					line++
				}
				i++
			}
			out = append(out, jsToken{'s', src[start:min(i, len(src))], at})
			i++
		case c == '/' && regexOK():
			start, class := i, false
			for i++; i < len(src) && src[i] != '\n' && (class || src[i] != '/'); i++ {
				switch src[i] {
				case '\\':
					i++
				case '[':
					class = true
				case ']':
					class = false
				}
			}
			for i++; i < len(src) && isNameByte(src[i]); i++ { // flags
			}
			out = append(out, jsToken{'r', src[start:min(i, len(src))], line})
		case c >= '0' && c <= '9':
			start := i
			for i < len(src) && (isNameByte(src[i]) || src[i] == '.') {
				i++
			}
			out = append(out, jsToken{'0', src[start:i], line})
		case isNameByte(c) || c >= 0x80:
			start := i
			for i < len(src) && (isNameByte(src[i]) || src[i] >= 0x80) {
				i++
			}
			out = append(out, jsToken{'n', src[start:i], line})
		default:
			p := src[i : i+1]
			for _, op := range punctuators {
				if strings.HasPrefix(src[i:], op) {
					p = op
					break
				}
			}
			out = append(out, jsToken{'p', p, line})
			i += len(p)
		}
	}
	return out
}

func isNameByte(c byte) bool {
	return c == '_' || c == '$' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}
