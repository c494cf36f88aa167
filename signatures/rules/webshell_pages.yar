/*
   Web shells that only a server page can be: rules whose condition wants the
   file to be PHP, JSP or ASP.NET by its type (or, for JSP, by its name). They
   are compiled into a set of their own that only such files are scanned with,
   so that their strings cost nothing on every other text file. Strings are
   spelled as in webshell.yar.

   scope: pages
*/

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
