/*
   Cryptocurrency miners: the XMRig family, stratum pool URLs, miner configs.

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
        $name = "xmrig" nocase
        $opt1 = "donate-level"
        $opt2 = "donate-over-proxy"
        $opt3 = "cpu-max-threads-hint"
        $opt4 = "rig-id"
        $algo1 = "randomx" nocase
        $algo2 = "cryptonight" nocase
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
        $url = /stratum(1|2)?\+(tcp|ssl|tls):\/\/[A-Za-z0-9.-]{3,253}:[0-9]{2,5}/ nocase
    condition:
        $url
}

rule strata_mn_config
{
    meta:
        id = "STRATA-MN-003"
        category = "miner"
        severity = "high"
        description = "Miner JSON configuration: a pools list with url and user plus algorithm/coin settings or a Monero wallet"
    strings:
        $pools = /"pools"\s*:\s*\[/
        $url = /"url"\s*:\s*"/
        $user = /"user"\s*:\s*"/
        $algo = /"(algo|coin|rig-id|donate-level|randomx)"\s*:/
        $wallet = /"user"\s*:\s*"[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}/
    condition:
        strata_text and filesize < 1MB and $pools and $url and (($user and $algo) or $wallet)
}

rule strata_mn_pool_domain
{
    meta:
        id = "STRATA-MN-004"
        category = "miner"
        severity = "medium"
        description = "Well-known Monero mining pool host name"
    strings:
        $p1 = "supportxmr.com" nocase
        $p2 = "moneroocean.stream" nocase
        $p3 = "xmrpool.eu" nocase
        $p4 = "pool.minexmr.com" nocase
        $p5 = "xmr.nanopool.org" nocase
        $p6 = "c3pool.com" nocase
        $p7 = "hashvault.pro" nocase
        $p8 = "xmr.2miners.com" nocase
        $p9 = "herominers.com" nocase
    condition:
        any of them
}
