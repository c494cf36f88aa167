// Package shell finds scripts by what they do rather than by how one sample spells it. It
// parses shell (mvdan.cc/sh, a real shell AST) wherever shell code lives: scripts, crontab
// command fields, systemd Exec lines, rc and profile scripts, desktop, udev, APT and PAM
// hooks, authorized_keys command options, and the RUN steps of an image's history. It follows
// what the code does with its streams, variables, functions, loops, named pipes and files:
//
//   - a shell whose standard input comes from a network connection (/dev/tcp and /dev/udp
//     redirections, nc/ncat/socat/telnet/openssl s_client pipes, named pipes closing the
//     loop, commands read from a socket and run) or a network tool told to run one (nc -e,
//     socat EXEC:, telnetd -l): a reverse or bind shell;
//   - code downloaded (curl, wget, ...) or decoded (base64, base32, xxd, rev, rot13, gzip,
//     printf escapes; one layer or several) and run, through a pipe, a command substitution,
//     eval, an interpreter's -c, or a file written and then executed; decoded code is
//     analysed again, so a reverse shell three base64 layers down is found as one, with its
//     chain of decodings;
//   - code handed to python, perl, ruby, php, node, lua or awk (-c, -e, -r, stdin, files of
//     those languages) that connects a socket and hands it a shell or runs what it reads
//     from it, found by careful tokenizers, not by regular expressions over the text;
//   - code written by a script into a place where it runs again (a crontab, a unit, an rc
//     file, authorized_keys, /etc/ld.so.preload), analysed as that place's file.
//
// The analyzer is stateless (each file is analysed on its own), so the layer cache keeps
// working. Only files that are shell or interpreter code by content or place, or text that
// names a tool the detectors care about, are parsed; everything else is passed over after a
// few byte searches.
//
// It imports audit and forensics and nothing that imports it.
package shell
