/*
   Web shells: server-side pages that run what the request says.

   Strings are spelled so that YARA's atoms start with punctuation, a digit or
   a capital (see reverse_shell.yar). PHP function names are case-insensitive,
   so the PHP strings keep nocase and spell the call's opening parenthesis and
   the bytes after it as branches ("(gz", "( st", "(@", "($"); the names
   themselves are case classes.

   scope: text (server pages count as text, as do .jsp and .jspx files whatever
   their bytes look like)
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

rule strata_ws_php_input_var_exec
{
    meta:
        id = "STRATA-WS-003"
        category = "webshell"
        severity = "medium"
        description = "Small PHP file that copies request input into a variable and runs that variable as a command or code"
    strings:
        $assign = /\$(\w{1,30})\s*=\s*@?\s*(([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr][Ii][Pp][Ss][Ll][Aa][Ss][Hh][Ee][Ss]|[Tt][Rr][Ii][Mm])\s*\(\s*)*\$_(GET|POST|REQUEST|COOKIE)\s*\[/
        $run = /\b([Ee][Vv][Aa][Ll]|[Aa][Ss][Ss][Ee][Rr][Tt]|[Ss][Yy][Ss][Tt][Ee][Mm]|[Pp][Aa][Ss][Ss][Tt][Hh][Rr][Uu]|[Ss][Hh][Ee][Ll][Ll]_[Ee][Xx][Ee][Cc]|[Ee][Xx][Ee][Cc]|[Pp][Oo][Pp][Ee][Nn]|[Pp][Rr][Oo][Cc]_[Oo][Pp][Ee][Nn])\s*(\(@\s*(([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr][Ii][Pp][Ss][Ll][Aa][Ss][Hh][Ee][Ss])\s*\(\s*)*\$\w{1,30}\s*[\),]|\( @\s*(([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr][Ii][Pp][Ss][Ll][Aa][Ss][Hh][Ee][Ss])\s*\(\s*)*\$\w{1,30}\s*[\),]|(\(\t|\(\n|\(\r|\(\x0b|\(\x0c|\( \t|\( \n|\( \r|\( \x0b|\( \x0c|\(  )\s*@?\s*(([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr][Ii][Pp][Ss][Ll][Aa][Ss][Hh][Ee][Ss])\s*\(\s*)*\$\w{1,30}\s*[\),]|(\(\$|\( \$)\w{1,30}\s*[\),]|((\(ba|\( ba)[Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|(\(gz|\( gz)[Ii][Nn][Ff][Ll][Aa][Tt][Ee]|(\(st|\( st)[Rr](_[Rr][Oo][Tt]13|[Ii][Pp][Ss][Ll][Aa][Ss][Hh][Ee][Ss])|(\(ur|\( ur)[Ll][Dd][Ee][Cc][Oo][Dd][Ee])\s*\(\s*(([Bb][Aa][Ss][Ee]64_[Dd][Ee][Cc][Oo][Dd][Ee]|[Gg][Zz][Ii][Nn][Ff][Ll][Aa][Tt][Ee]|[Ss][Tt][Rr]_[Rr][Oo][Tt]13|[Uu][Rr][Ll][Dd][Ee][Cc][Oo][Dd][Ee]|[Ss][Tt][Rr][Ii][Pp][Ss][Ll][Aa][Ss][Hh][Ee][Ss])\s*\(\s*)*\$\w{1,30}\s*[\),])/ nocase
        $php = "<?"
    condition:
        filetype == "PHP" and filesize < 8KB and $php and $assign and $run
}

rule strata_ws_jsp_exec
{
    meta:
        id = "STRATA-WS-010"
        category = "webshell"
        severity = "critical"
        description = "JSP running a command taken from a request parameter (Runtime.exec or ProcessBuilder)"
    strings:
        $direct = /Runt[i][m][e]\.getRuntime\s*\(\s*\)\s*\.exec\s*\(\s*request\.getParameter\s*\(/
        $runtime = /Runt[i][m][e]\.getRuntime\s*\(\s*\)\s*\.exec\s*\(/
        $pb = /new\s+ProcessBuilder\s*\(/
        $param = /[r][e][q][u][e][s][t](\.getParameter|\.getHeader|\.getInputStream|\.getReader)\s*\(/
    condition:
        (filetype == "JSP" or extension == ".jsp" or extension == ".jspx") and
        ($direct or (filesize < 64KB and ($runtime or $pb) and $param))
}

rule strata_ws_aspx_exec
{
    meta:
        id = "STRATA-WS-011"
        category = "webshell"
        severity = "critical"
        description = "ASP.NET page starting a process with request input (Process.Start / ProcessStartInfo fed from Request)"
    strings:
        $start = /[Pp][Rr][Oo][Cc][Ee][Ss][Ss]\.sta[Rr][Tt]\s*\(|[Nn][Ee][Ww]\s+([Ss][Yy][Ss][Tt][Ee][Mm]\.[Dd][Ii][Aa][Gg][Nn][Oo][Ss][Tt][Ii][Cc][Ss]\.)?proc[Ee][Ss][Ss][Ss][Tt][Aa][Rr][Tt][Ii][Nn][Ff][Oo]\s*\(/ nocase
        $req = /[Rr][Ee]ques[Tt]\s*(\.\s*([FF][Oo][Rr][Mm]|[QQ][Uu][Ee][Rr][Yy][SS][Tt][Rr][Ii][Nn][Gg]|[PP][Aa][Rr][Aa][Mm][Ss]|[II][Tt][Ee][Mm]|[HH][Ee][Aa][Dd][Ee][Rr][Ss]|[CC][Oo][Oo][Kk][Ii][Ee][Ss])\s*)?\[|[Rr][Ee]ques[Tt]\.([FF][Oo][Rr][Mm]|[QQ][Uu][Ee][Rr][Yy][SS][Tt][Rr][Ii][Nn][Gg])\s*\.\s*[Gg][Ee][Tt]\s*\(/ nocase
        $shell = /[Cc]md(\.[Ee][Xx][Ee])?|powe[Rr][Ss][Hh][Ee][Ll][Ll]|\/bin\/([Bb][Aa])?[Ss][Hh]/ nocase
    condition:
        filetype == "ASPX" and filesize < 256KB and $start and $req and $shell
}
