/*
   Cryptocurrency miner configurations: a JSON pools list. Its condition wants a text file,
   so its strings are looked for in text, scripts and server pages only.

   scope: text
*/

rule strata_mn_config
{
    meta:
        id = "STRATA-MN-003"
        category = "miner"
        severity = "high"
        description = "Miner JSON configuration: a pools list (XMRig's pools, xmr-stak's pool_list) with a pool address and an account plus algorithm/coin settings or a Monero wallet"
    strings:
        $pools = /"pool(s|_list)"\s*:\s*\[/
        $url = /"(url|pool_address)"\s*:\s*"/
        $user = /"(user|wallet_address)"\s*:\s*"/
        $algo = /("algo|"coin|"rig-id|"donate-level|"randomx|"currency|"rig_id|"use_nicehash)"\s*:/
        $wallet = /"(user|wallet_address)"\s*:\s*"[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}/
    condition:
        strata_text and filesize < 1MB and $pools and $url and (($user and $algo) or $wallet)
}
