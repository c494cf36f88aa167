package decode

// Syntax says how a language spells comments, string literals, variables and the islands of
// code inside a page. The zero Syntax is Plain: no comments, no strings, only blobs.
type Syntax struct {
	// Name is the language ("php", "java" ...), for messages.
	Name string

	islands       islandKind
	lineComments  []string
	blockComments [][2]string
	quotes        string // bytes that open a string literal
	rawQuote      byte   // the quote whose literal knows only \\ and \' (PHP, Perl, Ruby, shell ')
	noBackslash   bool   // backslash is a plain character in literals (VBScript)
	doubled       bool   // a doubled quote inside a literal stands for the quote (VBScript)
	dollarVars    bool   // $name is a variable (PHP, Perl, shell)
	caseFold      bool   // identifiers are case-insensitive (PHP functions, VBScript)
	concat        []string
	cmdBacktick   bool // `...` runs a command (PHP, Perl, Ruby, shell)
	template      bool // `...` is a template literal with ${} (JavaScript)
	regexLiterals bool // /.../ where an operand is expected (JavaScript, Perl, Ruby)
	perlQuotes    bool // q() qq() qw() qx() m// s/// tr///
	rubyPercent   bool // %q() %Q() %w() %x() %r()
	pyPrefixes    bool // r"", b"", f"", u"" and triple quotes
	csVerbatim    bool // @"..." and $"..."
	remComment    bool // REM starts a comment (VBScript)
	javaUnicode   bool // \uXXXX escapes anywhere in the source (Java)
	heredoc       bool // PHP <<<ID and <<<'ID'
}

type islandKind uint8

const (
	islandsNone islandKind = iota
	islandsPHP             // <?php ... ?>, <?= ... ?>
	islandsASP             // <% ... %>, <script runat="server"> ... </script>, <jsp:scriptlet>
)

// Languages.
var (
	// Plain has no syntax: Layers only looks for encoded blobs in it.
	Plain = Syntax{Name: "plain"}
	// PHP is PHP inside <?php ?> tags; PHPCode is PHP with no tags (an eval'd payload).
	PHP = Syntax{Name: "php", islands: islandsPHP, lineComments: []string{"//", "#"}, blockComments: [][2]string{{"/*", "*/"}},
		quotes: `'"`, rawQuote: '\'', dollarVars: true, caseFold: true, concat: []string{"."}, cmdBacktick: true, heredoc: true}
	// Java is JSP: Java inside <% %> and <jsp:scriptlet>.
	Java = Syntax{Name: "java", islands: islandsASP, lineComments: []string{"//"}, blockComments: [][2]string{{"/*", "*/"}},
		quotes: `"'`, concat: []string{"+"}, javaUnicode: true}
	// CSharp is ASP.NET C# (and JScript.NET, close enough for lexing) inside <% %>.
	CSharp = Syntax{Name: "csharp", islands: islandsASP, lineComments: []string{"//"}, blockComments: [][2]string{{"/*", "*/"}},
		quotes: `"'`, concat: []string{"+"}, csVerbatim: true}
	// VBScript is classic ASP and ASP.NET VB inside <% %>.
	VBScript = Syntax{Name: "vbscript", islands: islandsASP, lineComments: []string{"'"}, quotes: `"`, noBackslash: true,
		doubled: true, caseFold: true, concat: []string{"&", "+"}, remComment: true}
	// JavaScript is Node.js and browser JavaScript, and JScript.
	JavaScript = Syntax{Name: "javascript", lineComments: []string{"//"}, blockComments: [][2]string{{"/*", "*/"}},
		quotes: `'"`, concat: []string{"+"}, template: true, regexLiterals: true}
	// Python, Perl, Ruby and Shell are scripts, CGI or not.
	Python = Syntax{Name: "python", lineComments: []string{"#"}, quotes: `'"`, concat: []string{"+"}, pyPrefixes: true}
	Perl   = Syntax{Name: "perl", lineComments: []string{"#"}, quotes: `'"`, rawQuote: '\'', dollarVars: true,
		concat: []string{"."}, cmdBacktick: true, regexLiterals: true, perlQuotes: true}
	Ruby = Syntax{Name: "ruby", lineComments: []string{"#"}, blockComments: [][2]string{{"=begin", "\n=end"}}, quotes: `'"`,
		rawQuote: '\'', concat: []string{"+"}, cmdBacktick: true, regexLiterals: true, rubyPercent: true}
	Shell = Syntax{Name: "shell", lineComments: []string{"#"}, quotes: `'"`, rawQuote: '\'', dollarVars: true, cmdBacktick: true}
	// Lua is server-embedded Lua (OpenResty handlers, nginx *_by_lua blocks): -- comments,
	// --[[ ]] blocks, .. joins strings.
	Lua = Syntax{Name: "lua", lineComments: []string{"--"}, blockComments: [][2]string{{"--[[", "]]"}}, quotes: `'"`, concat: []string{".."}}
)

// Code returns the syntax without page islands: the language of a payload that a page
// decodes and evaluates (eval('...') runs PHP with no <?php tag).
func (s Syntax) Code() Syntax {
	s.islands = islandsNone
	return s
}

// IsPlain reports whether s is Plain.
func (s Syntax) IsPlain() bool { return s.Name == "" || s.Name == "plain" }

// CaseInsensitive reports whether the language's identifiers are compared without case.
func (s Syntax) CaseInsensitive() bool { return s.caseFold }
