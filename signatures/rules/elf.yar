/*
   Compiled reverse shells, LD_PRELOAD backdoors and shellcode stagers.
   "Imports" below means an undefined dynamic symbol (shndx 0): libc itself
   defines connect, dup2 and execve, and must not look like it calls them.
   Keeping to small dynamic symbol tables separates a purpose-built backdoor
   from bash, busybox, netcat or an interpreter, which hold the same calls
   among hundreds of others.

   The ELF structure comes from the strata_elf_* externals, which Strata
   computes for ELF files under 2 MB (see signatures/elffacts.go) instead of
   importing YARA's elf module, whose per-file object tree cost more than the
   scan: every rule here is limited to files under 2 MB. Symbol lists are
   written "|name|name|".

   scope: elf
*/

private rule strata_elf_exec
{
    condition:
        strata_elf and strata_elf_kind == "exec"
}

private rule strata_elf_lib
{
    condition:
        strata_elf and strata_elf_kind == "lib"
}

private rule strata_elf_shell_on_socket
{
    strings:
        $sh1 = "/bin/sh" fullword
        $sh2 = "/bin/bash" fullword
        $sh3 = "/bin/dash" fullword
    condition:
        strata_elf and
        strata_elf_imports matches /\|(connect|accept)\|/ and
        strata_elf_imports matches /\|(dup|dup2|dup3)\|/ and
        strata_elf_imports matches /\|(execve|execl|execlp|execle|execv|execvp|execvpe|system|popen|posix_spawn)\|/ and
        any of them
}

rule strata_rs_elf_exec
{
    meta:
        id = "STRATA-RS-020"
        category = "reverse-shell"
        severity = "critical"
        description = "Small dynamically linked executable that connects (or accepts), dup2s the socket and execs a shell"
    condition:
        strata_elf_exec and filesize < 2MB and strata_elf_dynsym < 64 and strata_elf_shell_on_socket
}

// A library runs code of its own by a constructor (DT_INIT_ARRAYSZ above the 8 bytes of the
// compiler's frame_dummy entry) or by defining a libc function that callers then reach
// instead of libc's.
private rule strata_elf_lib_runs_itself
{
    condition:
        strata_elf_lib and (
            strata_elf_init_array_size > 8 or
            strata_elf_funcs matches /\|(accept|accept4|connect|read|write|recv|recvfrom|open|open64|fopen|fopen64|execve|readdir|readdir64|pam_authenticate)\|/
        )
}

rule strata_lp_shell_library
{
    meta:
        id = "STRATA-LP-001"
        category = "ld-preload"
        severity = "critical"
        description = "Shared library that connects (or accepts), dup2s the socket and execs a shell: an LD_PRELOAD or injected backdoor"
    condition:
        // A library that only runs when a program calls its exported functions (sudo's
        // sudoers.so policy plugin, tcp_wrappers' libwrap running hosts.allow's "twist"
        // commands on the accepted socket) is that program's plugin; a preload or injected
        // backdoor runs itself, by a constructor or by replacing a libc function.
        strata_elf_lib and filesize < 2MB and strata_elf_dynsym < 400 and strata_elf_shell_on_socket and
        strata_elf_lib_runs_itself
}

rule strata_lp_constructor_backdoor
{
    meta:
        id = "STRATA-LP-002"
        category = "ld-preload"
        severity = "high"
        description = "Shared library with a constructor that reads remote-address style environment variables and opens sockets or runs commands"
    strings:
        $env1 = /\x00(REMOTE|LISTEN|BIND|BACK|CALLBACK|C2|REVERSE)_?(ADDR|HOST|IP|PORT)\x00/
        $env2 = /\x00[RL](HOST|PORT|ADDR)\x00/
    condition:
        strata_elf_lib and filesize < 2MB and strata_elf_dynsym < 400 and strata_elf_has_init_array and
        strata_elf_imports contains "|getenv|" and
        strata_elf_imports matches /\|(connect|socket|execve|execl|execlp|execv|execvp|system|popen)\|/ and
        any of them
}

rule strata_lp_preload_respawn
{
    meta:
        id = "STRATA-LP-003"
        category = "ld-preload"
        severity = "high"
        description = "Shared library that clears LD_PRELOAD and then runs a command: the usual shape of a preload backdoor that hides itself from children"
    strings:
        $name = "LD_PRELOAD" fullword
    condition:
        strata_elf_lib and filesize < 2MB and strata_elf_dynsym < 400 and $name and
        strata_elf_imports contains "|unsetenv|" and
        strata_elf_imports matches /\|(system|popen|execve|execl|execv|execvp)\|/
}

rule strata_lp_readdir_hook
{
    meta:
        id = "STRATA-LP-004"
        category = "ld-preload"
        severity = "high"
        description = "Small shared library that defines readdir/readdir64 and looks up the real one with dlsym: a process or file hiding hook"
    strings:
        $proc = "/proc" fullword
    condition:
        strata_elf_lib and filesize < 1MB and strata_elf_dynsym < 200 and $proc and
        strata_elf_funcs matches /\|readdir(64)?\|/ and
        strata_elf_imports contains "|dlsym|"
}

rule strata_mw_elf_stager
{
    meta:
        id = "STRATA-MW-001"
        category = "malware"
        severity = "high"
        description = "Tiny ELF without section headers that spells out /bin/sh: a hand-made or msfvenom-style shellcode executable"
    strings:
        $sh1 = "/bin//sh"
        $sh2 = "/bin/sh"
        $push_sh = { 68 2f 2f 73 68 68 2f 62 69 6e }        // push "//sh"; push "/bin"
        $mov_sh = { 48 b? 2f 62 69 6e 2f ( 73 68 00 | 2f 73 68 ) }   // movabs reg, "/bin/sh\0" or "/bin//sh"
    condition:
        strata_elf and filesize < 16KB and strata_elf_sections == 0 and any of them
}
