/*
   Persistence: cron entries, boot and login scripts, systemd units and
   scripts planting SSH keys that bring an attacker back.

   Strings are spelled so that YARA's atoms start with punctuation or a digit
   (see reverse_shell.yar): the tools' names are one-letter classes and a pipe
   into a shell is written as branches that start with "|" and the bytes after
   it.

   scope: text (every rule here wants a script or text file; see doc.go)
*/

rule strata_ps_cron_entry
{
    meta:
        id = "STRATA-PS-001"
        category = "persistence"
        severity = "critical"
        description = "Crontab line (in a crontab or echoed into one) that fetches and runs code (curl/wget | sh) or opens a shell to the network"
    strings:
        $fetch_run = /(^|\n|["'])[ \t]*(@(reboot|hourly|daily|weekly|monthly|yearly|annually|midnight)|[0-9*\/,-]+[ \t]+[0-9*\/,-]+[ \t]+[0-9*\/,-]+[ \t]+[0-9A-Za-z*\/,-]+[ \t]+[0-9A-Za-z*\/,-]+)[ \t][^\n]{0,300}\b([c][u][r][l]|[w][g][e][t]|[f][e][t][c][h])\b[^\n]{0,200}((\|su|\| su)do[ \t]+(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh|(\|\/u|\| \/u)sr(\/bin\/)?(ba|da|z|k|a)?sh|(\|\/b|\| \/b)in\/(ba|da|z|k|a)?sh|(\|bash|\| ba[s]h|\|dash|\| da[s]h|\|zsh|\| zsh|\|ksh|\| ksh|\|ash|\| ash|\|sh|\| sh)|(\|\t|\| \t|\|  )[ \t]*(sudo[ \t]+)?(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh)\b/
        $shell = /(^|\n|["'])[ \t]*(@(reboot|hourly|daily|weekly|monthly|yearly|annually|midnight)|[0-9*\/,-]+[ \t]+[0-9*\/,-]+[ \t]+[0-9*\/,-]+[ \t]+[0-9A-Za-z*\/,-]+[ \t]+[0-9A-Za-z*\/,-]+)[ \t][^\n]{0,300}(\/dev\/(tcp|udp)\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}|\b([n][c]|[n][c][a][t]|[n][e][t][c][a][t])\s[^\n]{0,80}\s(-e|-c|(-a|-b|-c|-d|-e|-f|-g|-h|-i|-j|-k|-l|-m|-n|-o|-p|-q|-r|-s|-t|-u|-v|-w|-x|-y|-z)[a-z]*[ec])\s|\b(ba)?[s]h\s+-i\b|[b][a][s][e]64\s+(-d|--decode)[^\n]{0,60}\|[ \t]*(ba)?sh\b)/
    condition:
        strata_text and any of them
}

rule strata_ps_autostart_script
{
    meta:
        id = "STRATA-PS-002"
        category = "persistence"
        severity = "critical"
        description = "Boot, periodic or login script (rc.local, init.d, cron.daily and friends, profile, bashrc, motd) that fetches and runs code or opens a network shell"
    strings:
        $fetch_run = /\b([c][u][r][l]|[w][g][e][t])\b[^\n]{0,200}((\|su|\| su)do[ \t]+(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh|(\|\/u|\| \/u)sr(\/bin\/)?(ba|da|z|k|a)?sh|(\|\/b|\| \/b)in\/(ba|da|z|k|a)?sh|(\|bash|\| ba[s]h|\|dash|\| da[s]h|\|zsh|\| zsh|\|ksh|\| ksh|\|ash|\| ash|\|sh|\| sh)|(\|\t|\| \t|\|  )[ \t]*(sudo[ \t]+)?(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh)\b/
        $dev_tcp = /[<>]&?[ \t]*\/dev\/(tcp|udp)\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}/
        $nc_exec = /\b([n][c]|[n][c][a][t]|[n][e][t][c][a][t])\s[^\n]{0,80}\s(-e|-c|(-a|-b|-c|-d|-e|-f|-g|-h|-i|-j|-k|-l|-m|-n|-o|-p|-q|-r|-s|-t|-u|-v|-w|-x|-y|-z)[a-z]*[ec])\s/
        $b64_run = /[b][a][s][e]64\s+(-d|--decode)[^\n]{0,60}\|[ \t]*(ba)?sh\b/
    condition:
        strata_text and
        filepath matches /^\/(etc\/(rc\.local|init\.d\/|rc[0-6S]\.d\/|cron\.(hourly|daily|weekly|monthly)\/|profile|bash\.bashrc|bashrc|zsh\/|update-motd\.d\/|xdg\/autostart\/)|(root|home\/[^\/]+)\/\.(bashrc|profile|bash_profile|bash_login|zshrc|config\/autostart\/))/ and
        any of them
}

rule strata_ps_systemd_exec
{
    meta:
        id = "STRATA-PS-003"
        category = "persistence"
        severity = "critical"
        description = "systemd unit whose Exec line fetches and runs code or opens a network shell"
    strings:
        $exec = /(^|\n)[ \t]*Exec(Start|StartPre|StartPost|Reload|Stop|StopPost)[ \t]*=[^\n]{0,300}(\b(curl|wget)\b[^\n]{0,200}\|[ \t]*(\/usr)?(\/bin\/)?(ba|da|z|k|a)?sh\b|\/dev\/(tcp|udp)\/[A-Za-z0-9._-]{1,253}\/[0-9]{1,5}|\b([n][c]|[n][c][a][t]|[n][e][t][c][a][t])\s[^\n]{0,80}\s(-e|-c|(-a|-b|-c|-d|-e|-f|-g|-h|-i|-j|-k|-l|-m|-n|-o|-p|-q|-r|-s|-t|-u|-v|-w|-x|-y|-z)[a-z]*[ec])\s|\b(ba)?sh\s+-i\b|base64\s+(-d|--decode)[^\n]{0,60}\|[ \t]*(ba)?sh\b|python[0-9.]*\s+-c\s[^\n]{0,200}socket)/
    condition:
        strata_text and
        (extension == ".service" or extension == ".timer" or extension == ".socket" or extension == ".conf" or filepath contains "/systemd/") and
        $exec
}

rule strata_sk_key_append
{
    meta:
        id = "STRATA-SK-003"
        category = "ssh-key"
        severity = "high"
        description = "Script appending a literal public key to an authorized_keys file"
    strings:
        $append = /([s][s][h](-rsa|-ed25519|-dss)|[e][c][d][s][a](-sha2-nistp256|-sha2-nistp384|-sha2-nistp521))\s+AAAA[0-9A-Za-z+\/]{20,}[^\n]{0,300}>>?\s*["']?[^\s"'|;&]{0,100}\.[s][s][h]\/[a][u][t][h][o][r][i][z][e][d]_keys2?\b/
    condition:
        strata_text and $append
}

rule strata_mw_tmp_dropper
{
    meta:
        id = "STRATA-MW-002"
        category = "malware"
        severity = "high"
        description = "Downloads a file into /dev/shm, /var/tmp or a hidden /tmp name, makes it executable and runs it"
    strings:
        $drop = /\b(curl|wget)\b[^\n]{0,200}\s(-O|-o|--output|--output-document)[ \t=]*["']?(\/dev\/shm\/|\/var\/tmp\/|\/tmp\/[.])[^\s;&|"']{1,100}[^\n]{0,200}chmod\s+(\+x|[ugoa]+\+x|[0-7]?[0-7][157][157])\s[^\n]{0,200}(;|&&)\s*(nohup\s+)?(\.\/|\/(dev\/shm|var\/tmp|tmp)\/)/
    condition:
        strata_text and $drop
}
