package decode

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits bound what Layers does with one text.
type Limits struct {
	// MaxDepth is how many layers deep decoding goes below the original.
	MaxDepth int
	// MaxBytes bounds the bytes all decodings together may produce.
	MaxBytes int
	// MaxLayers bounds how many layers Layers returns.
	MaxLayers int
	// Timeout bounds the time spent on one text.
	Timeout time.Duration
}

// Default limits.
const (
	DefaultMaxDepth  = 6
	DefaultMaxBytes  = 8 << 20
	DefaultMaxLayers = 64
	DefaultTimeout   = 2 * time.Second
)

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxLayers <= 0 {
		l.MaxLayers = DefaultMaxLayers
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	return l
}

// budget is what is left of the limits.
type budget struct {
	bytes    int
	deadline time.Time
	checks   int
	late     bool
}

func newBudget(l Limits) *budget {
	l = l.withDefaults()
	return &budget{bytes: l.MaxBytes, deadline: time.Now().Add(l.Timeout)}
}

func (b *budget) take(n int) bool {
	if n > b.bytes {
		b.bytes = 0
		return false
	}
	b.bytes -= n
	return true
}

func (b *budget) left() int { return max(b.bytes, 0) }

// out reports whether the budget is spent: bytes or time (checked every 256 calls).
func (b *budget) out() bool {
	if b.bytes <= 0 || b.late {
		return true
	}
	b.checks++
	if b.checks&255 == 0 && time.Now().After(b.deadline) {
		b.late = true
	}
	return b.late
}

// Layer is one text decoding revealed.
type Layer struct {
	// Chain lists the decodings, outermost first, that lead from the original to this layer's
	// text; nil for the original itself.
	Chain []string
	// Depth is how many layers lie above this one (0: the original).
	Depth int
	// Syntax is the language the layer is lexed in.
	Syntax Syntax
	// Tokens are the layer's folded tokens; a Str's Chain says which decodings folded it.
	Tokens []Token
	// Folded reports whether folding changed the layer (a decoded constant, joined literals).
	Folded bool
}

// Text renders the layer normalized: comments dropped, whitespace collapsed, constants
// folded.
func (l Layer) Text() []byte { return Render(l.Tokens, l.Syntax) }

// ChainString renders the chain as "base64 > gzinflate" ("" for the original).
func (l Layer) ChainString() string { return strings.Join(l.Chain, " > ") }

// Folds lists the decodings that folded constants inside the layer, in order of first use.
func (l Layer) Folds() []string {
	var out []string
	for _, t := range l.Tokens {
		if t.Kind == Str || t.Kind == Ident {
			out = joinChains(out, t.Chain)
		}
	}
	return out
}

// Result is what Layers found.
type Result struct {
	// Layers are the original (first) and every decoded layer below it.
	Layers []Layer
	// Cut says which bound stopped decoding ("depth", "bytes", "layers", "time", "tokens"), ""
	// when none did.
	Cut string
}

// Layers normalizes src in syntax s and decodes what it hides, recursively, within lim.
// The first layer is src itself, normalized.
func Layers(src []byte, s Syntax, lim Limits) Result {
	lim = lim.withDefaults()
	d := &decoder{lim: lim, budget: newBudget(lim), seen: map[[32]byte]bool{}}
	d.layer(src, s, nil, 0)
	if d.budget.late && d.cut == "" {
		d.cut = "time"
	}
	if d.budget.bytes <= 0 && d.cut == "" {
		d.cut = "bytes"
	}
	return Result{Layers: d.out, Cut: d.cut}
}

type decoder struct {
	lim    Limits
	budget *budget
	seen   map[[32]byte]bool
	out    []Layer
	cut    string
}

func (d *decoder) setCut(why string) {
	if d.cut == "" {
		d.cut = why
	}
}

// minPayload is the shortest decoded string taken for a layer of its own.
const minPayload = 8

// minBlob is the shortest undecoded literal tried as base64 or hex.
const minBlob = 24

func (d *decoder) layer(src []byte, s Syntax, chain []string, depth int) {
	if len(d.out) >= d.lim.MaxLayers {
		d.setCut("layers")
		return
	}
	if d.budget.out() {
		return
	}
	toks, complete := Lex(src, s)
	if !complete {
		d.setCut("tokens")
	}
	f := &folder{s: s, toks: toks, budget: d.budget}
	f.run()
	h := sha256.Sum256(src)
	if depth > 0 && d.seen[h] {
		return
	}
	d.seen[h] = true
	d.out = append(d.out, Layer{Chain: chain, Depth: depth, Syntax: s, Tokens: f.toks, Folded: f.folded})
	type child struct {
		data  []byte
		chain []string
	}
	var kids []child
	add := func(b []byte, steps ...string) {
		kids = append(kids, child{b, append(slices.Clone(chain), steps...)})
	}
	for i, t := range f.toks {
		if d.budget.out() {
			break
		}
		switch t.Kind {
		case Str:
			if t.Quote == '/' {
				continue
			}
			if s.Name == "php" && len(t.Chain) == 0 && len(t.Interp) == 0 && t.Quote != '`' && evalLiteral(f.toks, i) && d.budget.take(len(t.Text)) {
				// eval('...'): the literal is code; what it hides is decoded under it
				add([]byte(t.Text), StepLiteral)
				continue
			}
			if len(t.Chain) > 0 && !(len(t.Chain) == 1 && t.Chain[0] == StepEscape && !Interesting([]byte(t.Text))) {
				v := []byte(t.Text)
				steps := t.Chain
				if !Text(v) {
					if b, step, ok := Inflate(v, d.budget.left()); ok && d.budget.take(len(b)) {
						v, steps = b, append(slices.Clone(steps), step)
					}
				}
				if len(v) >= minPayload && Text(v) && (len(v) >= 32 || Interesting(v)) {
					add(v, steps...)
				}
				continue
			}
			if b, steps, ok := d.blob(t.Text); ok {
				add(b, steps...)
			}
		case Markup:
			if s.IsPlain() {
				for _, r := range blobRuns(t.Text) {
					if b, steps, ok := d.blob(r); ok {
						add(b, steps...)
					}
				}
			}
		}
	}
	if len(kids) > 0 && depth >= d.lim.MaxDepth {
		d.setCut("depth")
		return
	}
	for _, k := range kids {
		cs := s.Code()
		if s.islands != islandsNone && (bytes.Contains(k.data, []byte("<?")) || bytes.Contains(k.data, []byte("<%"))) {
			cs = s
		}
		d.layer(k.data, cs, k.chain, depth+1)
	}
}

// blob tries an undecoded literal as base64, hex or URL encoding (with compression under
// it), then as rot13 or reversed text: the decoded bytes and steps when they read as code.
func (d *decoder) blob(v string) ([]byte, []string, bool) {
	if len(v) >= minBlob {
		try := func(b []byte, step string) ([]byte, []string, bool) {
			steps := []string{step}
			if !Text(b) {
				out, s, ok := Inflate(b, d.budget.left())
				if !ok {
					return nil, nil, false
				}
				b, steps = out, append(steps, s)
			}
			if Text(b) && Interesting(b) && d.budget.take(len(b)) {
				return b, steps, true
			}
			return nil, nil, false
		}
		if b, ok := Hex(v); ok {
			if out, steps, ok := try(b, StepHex); ok {
				return out, steps, true
			}
		} else if b, ok := Base64(v); ok && len(b) >= minPayload {
			if out, steps, ok := try(b, StepBase64); ok {
				return out, steps, true
			}
		}
		if strings.Count(v, "%") >= 3 {
			if b, ok := URL(v, false); ok && Text(b) && Interesting(b) && !Interesting([]byte(v)) && d.budget.take(len(b)) {
				return b, []string{StepURL}, true
			}
		}
	}
	if len(v) >= 12 && len(v) <= 1<<20 && strings.IndexByte(v, '(') >= 0 {
		low := lowerASCIIString(v)
		if revealedBy(low, revealKeys, rot13Keys) && d.budget.take(len(v)) {
			return []byte(Rot13(v)), []string{StepRot13}, true
		}
		if revealedBy(low, revealKeys, reversedKeys) && d.budget.take(len(v)) {
			return []byte(Reverse(v)), []string{StepStrrev}, true
		}
	}
	return nil, nil, false
}

// blobRuns finds runs of base64 or hex characters at least minBlob*2 long in plain text.
func blobRuns(s string) []string {
	var out []string
	for from := 0; ; {
		start, end := nextRun(s, from, 2*minBlob)
		if start < 0 {
			return out
		}
		out = append(out, s[start:end])
		if len(out) >= 64 {
			return out
		}
		from = end
	}
}

// Render writes tokens back as text: comments gone, whitespace collapsed, literals quoted
// in the language's way.
func Render(toks []Token, s Syntax) []byte {
	var b bytes.Buffer
	var prev *Token
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case Markup:
			b.WriteString(t.Text)
			prev = nil
			continue
		case Newline:
			if prev != nil {
				b.WriteByte('\n')
			}
			prev = nil
			continue
		}
		if prev != nil && spaceBetween(prev, t) {
			b.WriteByte(' ')
		}
		switch t.Kind {
		case Str:
			quote(&b, t, s)
		case Tag:
			b.WriteString(t.Text)
			if t.Text != "?>" && t.Text != "%>" && !strings.HasPrefix(t.Text, "</") {
				b.WriteByte(' ')
				prev = nil
				continue
			}
		default:
			b.WriteString(t.Text)
		}
		prev = t
	}
	return b.Bytes()
}

func spaceBetween(a, b *Token) bool {
	if a.Kind == Punct {
		switch a.Text {
		case "(", "[", "->", "::", "?->", "$", "!", "@", ".":
			return false
		}
	}
	if b.Kind == Punct {
		switch b.Text {
		case ")", "]", ",", ";", "(", "[", "->", "::", "?->", ".":
			return false
		}
	}
	return true
}

var singleQuoted = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// quote writes a literal so that lexing it again in s yields its value.
func quote(b *bytes.Buffer, t *Token, s Syntax) {
	v := t.Text
	switch {
	case t.Quote == '/':
		b.WriteByte('/')
		b.WriteString(v)
		b.WriteByte('/')
		return
	case t.Quote == '`' && s.cmdBacktick:
		b.WriteByte('`')
		b.WriteString(strings.ReplaceAll(v, "`", "\\`"))
		b.WriteByte('`')
		return
	case s.doubled:
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(v, `"`, `""`))
		b.WriteByte('"')
		return
	case s.rawQuote == '\'' && len(t.Interp) == 0:
		b.WriteByte('\'')
		b.WriteString(singleQuoted.Replace(v))
		b.WriteByte('\'')
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(c)|0x100, 16)[1:])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// evalLiteral reports whether the literal at toks[i] is the whole argument of PHP's eval or
// assert and reads as code.
func evalLiteral(toks []Token, i int) bool {
	if i < 2 || i+1 >= len(toks) || !toks[i-1].Is("(") || !toks[i+1].Is(")") || toks[i-2].Kind != Ident {
		return false
	}
	if n := strings.ToLower(toks[i-2].Text); n != "eval" && n != "assert" {
		return false
	}
	if i >= 3 && (toks[i-3].Is("->") || toks[i-3].Is("::") || toks[i-3].Is("function")) {
		return false
	}
	v := toks[i].Text
	return len(v) >= 4 && strings.ContainsAny(v, "($")
}
