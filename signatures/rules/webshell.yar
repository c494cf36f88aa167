/*
   Web shells: server-side pages that run what the request says.

   Strings are spelled so that YARA's atoms start with punctuation, a digit or
   a capital (see reverse_shell.yar). PHP function names are case-insensitive,
   so the PHP strings keep nocase and spell the call's opening parenthesis and
   the bytes after it as branches ("(gz", "( st", "(@", "($"); the names
   themselves are case classes.

   The rules that want a PHP, JSP or ASP.NET page by its type are in
   webshell_pages.yar.

   scope: text
*/

rule strata_ws_php_request_exec
{
    meta:
        id = "STRATA-WS-001"
        category = "webshell"
        severity = "critical"
        description = "PHP passing request input ($_GET, $_POST, $_REQUEST, $_COOKIE, $_SERVER), possibly through decoding layers, straight to eval/assert/system/exec and friends"
    strings:
        // system($_GET['c']), eval(gzinflate(base64_decode($_POST['x']))), @assert(str_rot13($_REQUEST["a"]))
        // PHP function names are case-insensitive, superglobals are not; the atom is the
        // "$_GET"-style part.
        $direct = /\b([Ee][Vv][Aa][Ll]|[Aa][Ss][Ss][Ee][Rr][Tt]|[Ss][Yy][Ss][Tt][Ee][Mm]|[Pp][Aa][Ss][Ss][Tt][Hh][Rr][Uu]|[Ss][Hh][Ee][Ll][Ll]_[Ee][Xx][Ee][Cc]|[Ee][Xx][Ee][Cc]|[Pp][Oo][Pp][Ee][Nn]|[Pp][Rr][Oo][Cc]_[Oo][Pp][Ee][Nn]|[Pp][Cc][Nn][Tt][Ll]_[Ee][Xx][Ee][Cc]|[Cc][Rr][Ee][Aa][Tt][Ee]_[Ff][Uu][Nn][Cc][Tt][Ii][Oo][Nn])\s*\(\s*@?\s*(([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Gg][Zz][Uu][Nn][Cc][Oo][Mm][Pp][Rr][Ee][Ss][Ss]|[Gg][Zz][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Ss][Tt][Rr][Rr][Ee][Vv]|[Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Rr][Aa][Ww][Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr][Ii][Pp][Ss][Ll][Aa][Ss][Hh][Ee][Ss]|[Hh][Ee][Xx]2[Bb][Ii][Nn]|[Cc][Oo][Nn][Vv][Ee][Rr][Tt]_[Uu][Uu][Dd][Ee][Cc][Oo][Dd][Ee]|[Tt][Rr][Ii][Mm])\s*\(\s*@?\s*){0,5}\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[/
        // $_GET['f']($_GET['a']): the request names the function too
        $callable = /\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]\n]{1,40}\]\s*\(\s*@?\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[/
        // `$_GET[c]` backticks run a shell
        $backtick = /`\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]\n]{1,40}\]\s*`/
    condition:
        (filetype == "PHP" or strata_text) and any of them
}

rule strata_ws_php_obfuscated_eval
{
    meta:
        id = "STRATA-WS-002"
        category = "webshell"
        severity = "high"
        description = "PHP eval/assert of a payload unwrapped through two or more decoding layers (base64_decode, gzinflate, str_rot13 ...)"
    strings:
        $layers = /\b([Ee][Vv][Aa][Ll]|[Aa][Ss][Ss][Ee][Rr][Tt])\s*(\(@\s*([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Gg][Zz][Uu][Nn][Cc][Oo][Mm][Pp][Rr][Ee][Ss][Ss]|[Gg][Zz][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Ss][Tt][Rr][Rr][Ee][Vv]|[Rr][Aa][Ww][Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Cc][Oo][Nn][Vv][Ee][Rr][Tt]_[Uu][Uu][Dd][Ee][Cc][Oo][Dd][Ee])|\( @\s*([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Gg][Zz][Uu][Nn][Cc][Oo][Mm][Pp][Rr][Ee][Ss][Ss]|[Gg][Zz][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Ss][Tt][Rr][Rr][Ee][Vv]|[Rr][Aa][Ww][Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Cc][Oo][Nn][Vv][Ee][Rr][Tt]_[Uu][Uu][Dd][Ee][Cc][Oo][Dd][Ee])|(\(\t|\(\n|\(\r|\(\x0b|\(\x0c|\( \t|\( \n|\( \r|\( \x0b|\( \x0c|\(  )\s*@?\s*([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Gg][Zz][Uu][Nn][Cc][Oo][Mm][Pp][Rr][Ee][Ss][Ss]|[Gg][Zz][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Ss][Tt][Rr][Rr][Ee][Vv]|[Rr][Aa][Ww][Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Cc][Oo][Nn][Vv][Ee][Rr][Tt]_[Uu][Uu][Dd][Ee][Cc][Oo][Dd][Ee])|((\(ba|\( ba)[Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|(\(gz|\( gz)([Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Uu][Nn][Cc][Oo][Mm][Pp][Rr][Ee][Ss][Ss]|[Dd][Ee][Cc][Oo][Dd][Ee])|(\(st|\( st)[Rr](_[Rr][Oo][Tt]13|[Rr][Ee][Vv])|(\(ra|\( ra)[Ww][Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|(\(co|\( co)[Nn][Vv][Ee][Rr][Tt]_[Uu][Uu][Dd][Ee][Cc][Oo][Dd][Ee]))\s*\(\s*@?\s*([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Gg][Zz][Uu][Nn][Cc][Oo][Mm][Pp][Rr][Ee][Ss][Ss]|[Gg][Zz][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Ss][Tt][Rr][Rr][Ee][Vv]|[Rr][Aa][Ww][Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Cc][Oo][Nn][Vv][Ee][Rr][Tt]_[Uu][Uu][Dd][Ee][Cc][Oo][Dd][Ee])\s*\(/ nocase
        $php = "<?"
    condition:
        (filetype == "PHP" or strata_text) and $php and $layers
}

