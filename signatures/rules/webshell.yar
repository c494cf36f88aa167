/*
   Web shells: server-side pages that run what the request says.

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
        // PHP function names are case-insensitive, superglobals are not. The names are spelled
        // as character classes so that YARA takes its atom from the rare "$_GET"-style part.
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
        $layers = /\b(eval|assert)\s*\(\s*@?\s*(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|rawurldecode|convert_uudecode)\s*\(\s*@?\s*(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|rawurldecode|convert_uudecode)\s*\(/ nocase
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
        $run = /\b(eval|assert|system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*@?\s*((base64_decode|gzinflate|str_rot13|urldecode|stripslashes)\s*\(\s*)*\$\w{1,30}\s*[\),]/ nocase
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
        $direct = /Runtime\.getRuntime\s*\(\s*\)\s*\.exec\s*\(\s*request\.getParameter\s*\(/
        $runtime = /Runtime\.getRuntime\s*\(\s*\)\s*\.exec\s*\(/
        $pb = /new\s+ProcessBuilder\s*\(/
        $param = /request\.(getParameter|getHeader|getInputStream|getReader)\s*\(/
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
        $start = /Process\.Start\s*\(|new\s+(System\.Diagnostics\.)?ProcessStartInfo\s*\(/ nocase
        $req = /Request\s*(\.\s*(Form|QueryString|Params|Item|Headers|Cookies)\s*)?\[|Request\.(Form|QueryString)\s*\.\s*Get\s*\(/ nocase
        $shell = /cmd(\.exe)?|powershell|\/bin\/(ba)?sh/ nocase
    condition:
        filetype == "ASPX" and filesize < 256KB and $start and $req and $shell
}
