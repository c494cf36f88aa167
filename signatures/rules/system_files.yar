/*
   Files that matter by where they are: /etc/ld.so.preload and authorized_keys.
   Scanned whatever their content looks like, and only those: each rule's condition starts
   with the file's path or name.

   scope: named /etc/ld.so.preload authorized_keys authorized_keys2
*/

rule strata_lp_preload_file_unusual
{
    meta:
        id = "STRATA-LP-010"
        category = "ld-preload"
        severity = "critical"
        description = "/etc/ld.so.preload loading a library from a temporary, home or hidden location"
    strings:
        // One string per place: YARA finds a rare atom ("/tmp/") in each, but none in an
        // alternation of them.
        $tmp = /(^|[\s:])\/tmp\/[^\s:]*/
        $var_tmp = /(^|[\s:])\/var\/tmp\/[^\s:]*/
        $shm = /(^|[\s:])\/dev\/shm\/[^\s:]*/
        $run = /(^|[\s:])\/run\/[^\s:]*/
        $home = /(^|[\s:])\/home\/[^\s:]*/
        $root = /(^|[\s:])\/root\/[^\s:]*/
        $proc = /(^|[\s:])\/proc\/[^\s:]*/
        $hidden = /(^|[\s:])\/[^\s:]*\/\.[^\s:\/]+/
    condition:
        filepath == "/etc/ld.so.preload" and any of them
}

rule strata_lp_preload_file
{
    meta:
        id = "STRATA-LP-011"
        category = "ld-preload"
        severity = "medium"
        description = "/etc/ld.so.preload is not empty: every dynamically linked program loads the listed libraries"
    strings:
        $entry = /(^|\n)[ \t]*[^#\s][^\n]*\.so/
    condition:
        filepath == "/etc/ld.so.preload" and $entry
}

rule strata_sk_authorized_keys
{
    meta:
        id = "STRATA-SK-001"
        category = "ssh-key"
        severity = "medium"
        description = "authorized_keys file shipped in the image: whoever holds the private key can log in"
    strings:
        $key = /([s][s][h](-rsa|-ed25519|-dss)|[e][c][d][s][a](-sha[2]-nist[p]256|-sha[2]-nist[p]384|-sha[2]-nist[p]521)|[s][k](-ssh-ed25519|-ecdsa-sha[2]-nist[p]256)@openssh\.com)\s+AAAA[0-9A-Za-z+\/]{20,}/
    condition:
        (filename == "authorized_keys" or filename == "authorized_keys2") and
        not filepath startswith "/root/" and $key
}

rule strata_sk_root_authorized_keys
{
    meta:
        id = "STRATA-SK-002"
        category = "ssh-key"
        severity = "high"
        description = "root's authorized_keys shipped in the image: whoever holds the private key can log in as root"
    strings:
        $key = /([s][s][h](-rsa|-ed25519|-dss)|[e][c][d][s][a](-sha[2]-nist[p]256|-sha[2]-nist[p]384|-sha[2]-nist[p]521)|[s][k](-ssh-ed25519|-ecdsa-sha[2]-nist[p]256)@openssh\.com)\s+AAAA[0-9A-Za-z+\/]{20,}/
    condition:
        (filename == "authorized_keys" or filename == "authorized_keys2") and
        filepath startswith "/root/" and $key
}
