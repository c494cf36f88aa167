/*
   Cryptocurrency miners: the XMRig family, stratum pool URLs, miner configs.

   Strings are spelled so that YARA's atoms start with punctuation, a digit or
   a rare letter (see reverse_shell.yar): "-lev" for donate-level, "+tcp" for
   stratum URLs, ".min"/".com" for pool hosts. nocase words keep every case
   through explicit classes on the letters that are not the atom.

   scope: any (miner names and pool URLs are as telling in a binary as in text)
*/

rule strata_mn_xmrig
{
    meta:
        id = "STRATA-MN-001"
        category = "miner"
        severity = "high"
        description = "XMRig (or a fork): its name together with its option and algorithm strings"
    strings:
        $name = /[Xx]mrig/ nocase
        $opt1 = /[d][o][n][a][t][e]-level/
        $opt2 = /[d][o][n][a][t][e]-over-proxy/
        $opt3 = /[c][p][u]-max-threads-hint/
        $opt4 = /[r][i][g]-id/
        $algo1 = /[Rr][Aa][Nn][Dd][Oo]mx/ nocase
        $algo2 = /[Cc][Rr][Yy]pton[Ii][Gg][Hh][Tt]/ nocase
    condition:
        $name and 2 of ($opt*) and any of ($algo*)
}

rule strata_mn_stratum_url
{
    meta:
        id = "STRATA-MN-002"
        category = "miner"
        severity = "high"
        description = "Mining pool URL (stratum+tcp://, stratum+ssl://, stratum+tls://) with a host and port"
    strings:
        $url = /[Ss][Tt][Rr][Aa][Tt][Uu][Mm](1|2)?(\+tcp|\+ssl|\+tls):\/\/([^@\/\s"']{1,120}@)?[A-Za-z0-9.-]{3,253}:[0-9]{2,5}/ nocase
    condition:
        $url
}

rule strata_mn_pool_domain
{
    meta:
        id = "STRATA-MN-004"
        category = "miner"
        severity = "medium"
        description = "Well-known Monero mining pool host name"
    strings:
        $p1 = /[Ss][Uu][Pp][Pp][Oo][Rr][Tt][Xx][Mm][Rr]\.com/ nocase
        $p2 = /[Mm][Oo][Nn][Ee][Rr][Oo][Oo][Cc][Ee][Aa][Nn]\.st[Rr][Ee][Aa][Mm]/ nocase
        $p3 = /[Xx][Mm][Rr][Pp][Oo][Oo][Ll]\.eu/ nocase
        $p4 = /[Pp][Oo][Oo][Ll]\.min[Ee][Xx][Mm][Rr]\.[Cc][Oo][Mm]/ nocase
        $p5 = /[Xx][Mm][Rr]\.nan[Oo][Pp][Oo][Oo][Ll]\.[Oo][Rr][Gg]/ nocase
        $p6 = /[Cc]3p[Oo][Oo][Ll]\.[Cc][Oo][Mm]/ nocase
        $p7 = /[Hh][Aa][Ss][Hh][Vv][Aa][Uu][Ll][Tt]\.pro/ nocase
        $p8 = /[Xx][Mm][Rr]\.2mi[Nn][Ee][Rr][Ss]\.[Cc][Oo][Mm]/ nocase
        $p9 = /[Hh][Ee][Rr][Oo][Mm][Ii][Nn][Ee][Rr][Ss]\.com/ nocase
    condition:
        any of them
}
