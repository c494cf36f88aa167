// Package decode turns source text the way an obfuscator left it into the text that runs: it
// lexes the text in one of a few syntaxes (PHP, Java/JSP, C#, VBScript, JavaScript, Python,
// Perl, Ruby, shell, or none), drops comments, collapses whitespace, joins concatenated string
// literals, folds constant decoder calls (base64_decode('...'), str_rot13, strrev, gzinflate,
// hex2bin, urldecode, chr() and String.fromCharCode sequences, \x and \u escapes ...) into the
// literal they produce, and decodes what is left encoded (long base64 or hex blobs, compressed
// data) recursively into layers. Every layer carries its chain: the decodings, outermost
// first, that revealed it ("base64 > gzinflate").
//
// Evidence bytes are hostile: Layers is bounded in depth, output bytes, layer count and time,
// never panics, and reports when a bound cut it short.
//
// decode knows no images, files or findings, and imports nothing of Strata's: the web shell
// analyzer, the shell script analyzer and the YARA adapter all use it on bytes.
package decode
